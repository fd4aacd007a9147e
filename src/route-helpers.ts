import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { assertAdmin, assertCanReadRegister, assertCommissionerEditor } from './auth/access.js';
import { Forbidden, NotFound } from './errors.js';
import type { CurrentUser } from './auth/current-user.js';

// Helpers every feature's routes share. The guards apply the same access rules the services check,
// so a refused user gets a 403 before any form is shown.

/** The user behind a route guarded by requireSignIn. */
export function signedInUser(res: Response): CurrentUser {
  const user = res.locals.currentUser;
  if (!user) throw new Forbidden();
  return user;
}

/** After requireSignIn: staff only (the register and periods are the commissioner's records). */
export const staffOnly: RequestHandler = (_req, res, next) => {
  assertCanReadRegister(signedInUser(res));
  next();
};

/** After requireSignIn: administrators and contract managers only. */
export const editorsOnly: RequestHandler = (_req, res, next) => {
  assertCommissionerEditor(signedInUser(res));
  next();
};

/** After requireSignIn: administrators only (user administration). */
export const adminsOnly: RequestHandler = (_req, res, next) => {
  assertAdmin(signedInUser(res));
  next();
};

const uuid = z.uuid();

/** An id from the URL: anything that is not a UUID cannot name a row, so it is "not found". */
export function idFromPath(value: string | string[] | undefined): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw new NotFound();
  return parsed.data;
}
