import type { Request } from 'express';

// express-session's API is callback-based; these let route handlers await it.

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(asError(error)) : resolve()));
  });
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
 * user and the sign-in time for the absolute time-out.
 */
export async function startSignedInSession(req: Request, userId: string, now: Date): Promise<void> {
  await regenerateSession(req);
  req.session.userId = userId;
  req.session.signedInAt = now.getTime();
}
