import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Authenticator } from '../passport.js';
import { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import { paths } from '../../paths.js';
import { safeReturnTo } from '../safe-return-to.js';
import { startSignedInSession } from '../session.js';
import { signInWithEntra } from '../sign-in.service.js';
import { ENTRA_STRATEGY, refusedForIssuer, type EntraIdentity } from './entra-strategy.js';

const loginHint = z.email().max(254);

type Outcome = (error: unknown, identity: EntraIdentity | false, info: unknown) => Promise<void>;

/** Sign-in with Microsoft Entra ID (authorization code flow); mounted only when Entra is configured. */
export function entraRoutes(deps: AppDeps, authenticator: Authenticator): Router {
  const router = Router();
  const settings = deps.config.entra;
  if (!settings) return router;

  /** Runs the strategy; it either redirects (to Entra, ending the response) or calls `outcome`. */
  const authenticate =
    (options: (req: Request) => { login_hint?: string }, outcome: (req: Request, res: Response) => Outcome) =>
    (req: Request, res: Response, next: NextFunction) => {
      const handler = authenticator.authenticate(
        ENTRA_STRATEGY,
        { ...options(req), session: false },
        (...args: Parameters<Outcome>) => {
          outcome(req, res)(...args).catch(next);
        },
      ) as RequestHandler;
      handler(req, res, next);
    };

  // Starts the flow. An optional login_hint pre-fills the Entra username (and lets tests pick a user).
  router.get(
    paths.entraSignIn,
    authenticate(
      (req) => {
        const hint = loginHint.safeParse(req.query.login_hint);
        return hint.success ? { login_hint: hint.data } : {};
      },
      // Coming back here before any redirect means Entra's metadata could not be loaded.
      (_req, res) => async (error, _identity, info) => {
        deps.logger.error({ err: error, reason: describe(info) }, 'Entra sign-in could not start');
        res.status(503).render('auth/sign-in-problem', {
          heading: 'Sign-in is not available at the moment',
          message: 'The NHS sign-in service could not be reached. Try again in a few minutes.',
        });
        await Promise.resolve();
      },
    ),
  );

  const callback = authenticate(
    () => ({}),
    (req, res) => async (error, identity, info) => {
      if (!error && !identity && refusedForIssuer(info)) {
        deps.logger.info('Entra token from a tenant that is not allowed');
        res.status(403).render('auth/no-access', { reason: 'wrong_tenant', email: undefined });
        return;
      }
      if (error || !identity) {
        deps.logger.warn({ err: error, reason: describe(info) }, 'Entra sign-in failed');
        res.status(401).render('auth/sign-in-problem', {
          heading: 'You could not be signed in',
          message: 'Your sign-in could not be completed or has expired. Try signing in again.',
          retry: true,
        });
        return;
      }
      // Set by the invitation page: this browser opened an invitation link from the invited mailbox.
      const invitationLinkId = req.session.invitationLinkId;
      const outcome = await signInWithEntra(
        { prisma: deps.prisma, settings, sessionSecret: deps.sessionSecret, now: deps.clock() },
        identity,
        invitationLinkId,
      );
      delete req.session.invitationLinkId;
      if (!outcome.ok) {
        deps.logger.info({ reason: outcome.reason }, 'Entra user refused');
        res.status(403).render('auth/no-access', { reason: outcome.reason, email: identity.email });
        return;
      }
      const returnTo = safeReturnTo(req.session.returnTo, paths.home);
      await startSignedInSession(req, outcome.userId, deps.clock());
      res.redirect(returnTo);
    },
  );
  router.get(paths.authCallback, callback);
  // Entra's form_post response mode posts the code here (exempt from CSRF: state and nonce protect it).
  router.post(paths.authCallback, callback);

  return router;
}

function describe(info: unknown): string {
  if (typeof info === 'string') return info;
  if (info && typeof info === 'object' && 'message' in info) return String(info.message);
  return 'unknown';
}
