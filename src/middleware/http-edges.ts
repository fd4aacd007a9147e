import type { Express } from 'express';

/**
 * OPTIONS is answered the same way for every path, before any route is looked at: Express would
 * otherwise list each route's methods (`Allow`) to anyone who asks, telling which addresses exist.
 * Nothing here needs CORS preflights (no other origin calls this service).
 */
export function setUpOptions(app: Express): void {
  app.use((req, res, next) => {
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    res.set('Allow', 'GET, HEAD, POST').status(204).end();
  });
}

/**
 * Pages shown to a signed-in user are never stored by the browser or anything in between: after
 * signing out, Back must not show a return's answers again.
 */
export function setUpNoStoreWhenSignedIn(app: Express): void {
  app.use((_req, res, next) => {
    if (res.locals.currentUser) res.set('Cache-Control', 'no-store');
    next();
  });
}
