import type { Express } from 'express';
import session from 'express-session';
import type { AppDeps } from '../deps.js';

declare module 'express-session' {
  interface SessionData {
    userId: string;
    /** Where to go after signing in (a local path only). */
    returnTo: string;
  }
}

export const SESSION_IDLE_MINUTES = 30;

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
      cookie: { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: SESSION_IDLE_MINUTES * 60_000 },
    }),
  );
}
