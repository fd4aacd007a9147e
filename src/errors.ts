/** Typed domain errors: services throw these, the error handler maps them to a status and a page. */
export class DomainError extends Error {
  readonly status: number = 500;
}

export class NotFound extends DomainError {
  override name = 'NotFound';
  override readonly status = 404;
  constructor(message = 'Not found') {
    super(message);
  }
}

export class Forbidden extends DomainError {
  override name = 'Forbidden';
  override readonly status = 403;
  constructor(message = 'You do not have permission to do this') {
    super(message);
  }
}

export class Conflict extends DomainError {
  override name = 'Conflict';
  override readonly status = 409;
}

/** Bad input: carries one message per field so the form can re-render with them. */
export class ValidationFailed extends DomainError {
  override name = 'ValidationFailed';
  override readonly status = 400;
  constructor(readonly fieldErrors: Record<string, string>) {
    super(Object.values(fieldErrors).join('; '));
  }
}

/** The database (or another dependency the page needs) cannot be reached. */
export class ServiceUnavailable extends DomainError {
  override name = 'ServiceUnavailable';
  override readonly status = 503;
}
