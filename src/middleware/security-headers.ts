import { randomBytes } from 'node:crypto';
import type { Express, Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.js';

/** Helmet with a nonce-based CSP: the only inline script (NHS js-enabled) carries the nonce. */
export function setUpSecurityHeaders(app: Express, config: Config): void {
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          // NHS.UK frontend's CSS loads the licensed Frutiger fonts from the NHS asset host.
          fontSrc: ["'self'", 'https://assets.nhs.uk'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(config.isProduction ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      // HSTS only where the service is really served over https.
      strictTransportSecurity: config.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
      // For browsers without CSP frame-ancestors: the same rule, no framing at all.
      xFrameOptions: { action: 'deny' },
      crossOriginEmbedderPolicy: false,
    }),
  );
}
