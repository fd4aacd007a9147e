import type { Express } from 'express';
import session from 'express-session';
import type { AppDeps } from '../deps.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    /** Where to go after signing in (a local path only). */
    returnTo: string;
    /** Epoch milliseconds of sign-in, for the absolute time-out. */
    signedInAt: number;
  }
}

/** Sessions live in PostgreSQL so any app instance can serve any request. */
export function setUpSession(app: Express, deps: AppDeps): void {
  const { config } = deps;
  const secure = config.publicBaseUrl.startsWith('https://');
  if (config.trustProxy) app.set('trust proxy', config.trustProxy);
  app.use(
    session({
      name: config.isProduction ? '__Host-tracker.sid' : 'tracker.sid',
      store: deps.sessionStore,
      secret: deps.sessionSecret,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: Boolean(config.trustProxy),
      cookie: {
        httpOnly: true,
        secure,
        // Entra's form_post is a cross-site POST back to us: the cookie must travel with it (and so be Secure).
        sameSite: config.entra?.responseMode === 'form_post' ? 'none' : 'lax',
        path: '/',
        // Idle time-out: every request pushes the expiry on (rolling); the absolute one is in current-user.
        maxAge: config.session.idleMinutes * 60_000,
      },
    }),
  );
}
