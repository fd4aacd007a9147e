import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { assertAdmin, assertCanReadRegister, assertCommissionerEditor } from './auth/access.js';
import { Forbidden, NotFound, ValidationFailed } from './errors.js';
import type { FieldErrors, FormResult } from './forms.js';
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

/**
 * A form post in one shape: an invalid form, or a service's ValidationFailed, shows the form again
 * (400) with the problems beside the user's input; a valid one goes to `apply`, which answers.
 */
export async function submitForm<T>(
  res: Response,
  form: FormResult<T>,
  apply: (data: T) => Promise<void>,
  showAgain: (errors: FieldErrors) => unknown,
): Promise<void> {
  try {
    if (!form.ok) throw new ValidationFailed(form.errors);
    await apply(form.data);
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    res.status(400);
    await showAgain(error.fieldErrors);
  }
}

const uuid = z.uuid();

/** An id from the URL: anything that is not a UUID cannot name a row, so it is "not found". */
export function idFromPath(value: string | string[] | undefined): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw new NotFound();
  return parsed.data;
}

/**
 * The service a requirement's page is for (issue 14: `?service=<id>`): undefined when the link names
 * none; anything that is not one id cannot name a service, so it is "not found".
 */
export function serviceFromQuery(req: Request): string | undefined {
  const value = req.query.service;
  if (value === undefined) return undefined;
  return idFromPath(typeof value === 'string' ? value : undefined);
}
