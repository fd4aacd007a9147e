import type { Request, Response } from 'express';
import { issueCsrfToken } from '../middleware/csrf.js';

// express-session's API is callback-based; these let route handlers await it.

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(asError(error)) : resolve()));
  });
}

function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.save((error: unknown) => (error ? reject(asError(error)) : resolve()));
  });
}

/**
 * Redirects once the session is stored. express-session stores a changed session only as the response
 * ends, after the redirect's headers have gone, so a busy browser can follow the redirect before what
 * the next page needs is there (a workbook preview arrived without its plan and sent the lead back).
 */
export async function redirectWithSession(req: Request, res: Response, url: string): Promise<void> {
  await saveSession(req);
  res.redirect(url);
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.destroy((error: unknown) => (error ? reject(asError(error)) : resolve()));
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A new session id on sign-in (an id planted before sign-in is worthless after it), holding the
 * user, the sign-in time for the absolute time-out, and its CSRF token: made now, not by the first
 * pages after sign-in, which a browser may load at once and which would each save a token of their
 * own (the last save wins and the other pages' forms are refused). The session is stored before this
 * returns: express-session would store it only as the response ends, after the redirect that
 * follows has already reached a busy browser, which then arrived signed out.
 */
export async function startSignedInSession(req: Request, userId: string, now: Date): Promise<void> {
  await regenerateSession(req);
  req.session.userId = userId;
  req.session.signedInAt = now.getTime();
  issueCsrfToken(req);
  await saveSession(req);
}
