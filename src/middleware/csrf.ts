import { timingSafeEqual } from 'node:crypto';
import type { Express, Request } from 'express';
import { csrfSync } from 'csrf-sync';
import { paths } from '../paths.js';
import { requestMatcher } from './route-match.js';
import { formBody, textField } from '../forms.js';

// Multipart forms (evidence uploads, register imports, a publication's copy) are not parsed before this middleware: their body is a stream
// that only the route reads, so the token cannot be in req.body here. For these routes only, and
// only for multipart POSTs, the check is left to the route, which reads the form's `_csrf` field
// (placed BEFORE the file input, so it arrives first) and calls verifyCsrfToken before reading a
// single byte of the file. Not a query string or header token: a token in a URL ends up in logs
// and history, and a form without JavaScript cannot set a header.
const isSelfCheckedRoute = requestMatcher(
  'POST',
  paths.evidence.upload,
  paths.imports.register,
  paths.imports.ods,
  paths.returns.workbookUpload,
  paths.imports.history,
  paths.publications.record,
);

function isSelfCheckedMultipart(req: Request): boolean {
  return Boolean(req.is('multipart/form-data')) && isSelfCheckedRoute(req);
}

const { csrfSynchronisedProtection, generateToken, getTokenFromState, invalidCsrfTokenError } = csrfSync({
  getTokenFromRequest: (req) => textField(formBody(req), '_csrf') || undefined,
  // Entra's form_post callback cannot carry our token; its state and nonce do that job.
  skipCsrfProtection: (req) =>
    isSelfCheckedMultipart(req) || (req.method === 'POST' && req.path === paths.authCallback),
});

/**
 * For the self-checked multipart routes above: throws the same error as the middleware (403) unless
 * `token` is the session's token.
 */
export function verifyCsrfToken(req: Request, token: string | undefined): void {
  const stored = getTokenFromState(req);
  if (typeof token !== 'string' || typeof stored !== 'string') throw invalidCsrfTokenError;
  const received = Buffer.from(token);
  const expected = Buffer.from(stored);
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw invalidCsrfTokenError;
  }
}

/** A synchroniser token kept in the session and checked on every state-changing request. */
export function setUpCsrf(app: Express): void {
  app.use(csrfSynchronisedProtection);
  app.use((req, res, next) => {
    res.locals.csrfToken = () => generateToken(req);
    next();
  });
}

/** Makes the session's CSRF token now if it has none (see startSignedInSession). */
export function issueCsrfToken(req: Request): void {
  generateToken(req);
}

export function isCsrfError(error: unknown): boolean {
  return error === invalidCsrfTokenError;
}
