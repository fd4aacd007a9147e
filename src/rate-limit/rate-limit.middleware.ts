import type { Express, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options } from 'express-rate-limit';
import type { AppDeps } from '../deps.js';
import { requestMatcher } from '../middleware/route-match.js';
import { paths } from '../paths.js';
import { PostgresRateLimitStore } from './postgres-store.js';
import { closeAfterResponse } from '../middleware/close-after-response.js';

const ONE_MINUTE_MS = 60_000;

// Sign-in is limited per IP address (nobody is signed in yet); uploads per signed-in user.
const SIGN_IN_ROUTES = [
  requestMatcher('GET', paths.signIn, paths.authCallback),
  requestMatcher('POST', paths.localSignIn, paths.authCallback),
];
const UPLOAD_ROUTES = [requestMatcher('POST', paths.evidence.upload)];

/**
 * Rate limits on the sign-in routes and on evidence uploads, counted in PostgreSQL so that several
 * app instances share each count. Over the limit: 429, Retry-After, and a page saying to wait.
 * Applied after the current user is known (uploads are counted per user) and before the routes.
 */
export function setUpRateLimits(app: Express, deps: AppDeps): void {
  const { config, clock, logger } = deps;
  const common: Partial<Options> = {
    windowMs: ONE_MINUTE_MS,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Seconds until the window ends, on the app's clock (the store's windows run on it too).
    retryAfter: (req: Request) => {
      const resetTime = req.rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - clock().getTime()) / 1000) : 60;
      return Math.min(60, Math.max(1, seconds));
    },
    handler: tooManyRequests,
    logger: {
      error: (error, message) => logger.error({ err: error }, message ?? 'rate limit error'),
      warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limit warning'),
    },
  };

  const signIn = rateLimit({
    ...common,
    limit: config.rateLimits.signInPerMinute,
    store: new PostgresRateLimitStore(deps.prisma, clock, 'sign-in:'),
  });
  const upload = rateLimit({
    ...common,
    limit: config.rateLimits.uploadsPerMinute,
    store: new PostgresRateLimitStore(deps.prisma, clock, 'upload:'),
    // Anonymous posts are sent to sign in by the route; they are not an upload.
    skip: (_req, res) => !res.locals.currentUser,
    keyGenerator: (req, res) => res.locals.currentUser?.id ?? ipKeyGenerator(req.ip ?? 'unknown'),
  });

  const limiterFor = (req: Request): RequestHandler | undefined => {
    if (SIGN_IN_ROUTES.some((matches) => matches(req))) return signIn;
    if (UPLOAD_ROUTES.some((matches) => matches(req))) return upload;
    return undefined;
  };
  app.use((req, res, next) => {
    const limiter = limiterFor(req);
    if (limiter) {
      void limiter(req, res, next);
    } else {
      next();
    }
  });
}

function tooManyRequests(req: Request, res: Response): void {
  // An upload's body is left unread: close the connection (in stages, so the answer is not lost to a
  // reset) rather than read the file to throw it away.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    closeAfterResponse(req, res);
  }
  res.status(429).render('errors/too-many-requests');
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by express-rate-limit on the routes it limits. */
    rateLimit?: { limit: number; used: number; remaining: number; resetTime: Date | undefined };
  }
}
