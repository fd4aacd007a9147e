import type { Express } from 'express';
import passport from 'passport';
import type { AppDeps } from '../deps.js';
import { createEntraStrategy, ENTRA_STRATEGY } from './entra/entra-strategy.js';

/** A passport instance of this app's own (never the global one: each createApp call is separate). */
export type Authenticator = passport.Authenticator;

export function setUpAuth(app: Express, deps: AppDeps): Authenticator {
  const authenticator = new passport.Authenticator();
  if (deps.config.entra) {
    authenticator.use(
      ENTRA_STRATEGY,
      createEntraStrategy(deps.config.entra, !deps.config.isProduction, deps.logger),
    );
  }
  app.use(authenticator.initialize());
  return authenticator;
}
