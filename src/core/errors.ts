/**
 * @module One error hierarchy for the whole project. Each class carries the Kubernetes
 * `Status` reason and HTTP code it maps to, plus a stable `code` that callers branch on
 * (never on message text). `api/` turns them into `Status` objects; the client turns
 * `Status` objects back into these classes.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export abstract class PeapodError extends Error {
  abstract readonly reason: string;
  abstract readonly httpCode: number;
  abstract readonly code: string;
  readonly details: StatusDetails | undefined;

  constructor(message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class NotFoundError extends PeapodError {
  readonly reason = 'NotFound';
  readonly httpCode = 404;
  readonly code = 'PEAPOD_NOT_FOUND';
  static of(kind: string, name: string): NotFoundError {
    const resource = kindToResource(kind);
    return new NotFoundError(`${resource} "${name}" not found`, { name, kind: resource });
  }
}

export class AlreadyExistsError extends PeapodError {
  readonly reason = 'AlreadyExists';
  readonly httpCode = 409;
  readonly code = 'PEAPOD_ALREADY_EXISTS';
  static of(kind: string, name: string): AlreadyExistsError {
    const resource = kindToResource(kind);
    return new AlreadyExistsError(`${resource} "${name}" already exists`, { name, kind: resource });
  }
}

export class ConflictError extends PeapodError {
  readonly reason = 'Conflict';
  readonly httpCode = 409;
  readonly code = 'PEAPOD_CONFLICT';
}

/** 422: the object is invalid; `causes` name each offending field. */
export class InvalidError extends PeapodError {
  readonly reason = 'Invalid';
  readonly httpCode = 422;
  readonly code = 'PEAPOD_INVALID';
  readonly causes: StatusCause[];
  constructor(kind: string, name: string, causes: StatusCause[]) {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
    super(`${kind} "${name}" is invalid: ${causes.length > 1 ? `[${list}]` : list}`, {
      name,
      kind,
      causes,
    });
    this.causes = causes;
  }
}

export class BadRequestError extends PeapodError {
  readonly reason = 'BadRequest';
  readonly httpCode = 400;
  readonly code = 'PEAPOD_BAD_REQUEST';
}

export class GoneError extends PeapodError {
  readonly reason = 'Expired';
  readonly httpCode = 410;
  readonly code = 'PEAPOD_EXPIRED';
}

export class MethodNotAllowedError extends PeapodError {
  readonly reason = 'MethodNotAllowed';
  readonly httpCode = 405;
  readonly code = 'PEAPOD_METHOD_NOT_ALLOWED';
}

export class UnauthorizedError extends PeapodError {
  readonly reason = 'Unauthorized';
  readonly httpCode = 401;
  readonly code = 'PEAPOD_UNAUTHORIZED';
}

export class ForbiddenError extends PeapodError {
  readonly reason = 'Forbidden';
  readonly httpCode = 403;
  readonly code = 'PEAPOD_FORBIDDEN';
}

export class RequestEntityTooLargeError extends PeapodError {
  readonly reason = 'RequestEntityTooLarge';
  readonly httpCode = 413;
  readonly code = 'PEAPOD_TOO_LARGE';
}

export class UnsupportedMediaTypeError extends PeapodError {
  readonly reason = 'UnsupportedMediaType';
  readonly httpCode = 415;
  readonly code = 'PEAPOD_UNSUPPORTED_MEDIA_TYPE';
}

export class ServiceUnavailableError extends PeapodError {
  readonly reason = 'ServiceUnavailable';
  readonly httpCode = 503;
  readonly code = 'PEAPOD_UNAVAILABLE';
}

export class InternalError extends PeapodError {
  readonly reason = 'InternalError';
  readonly httpCode = 500;
  readonly code = 'PEAPOD_INTERNAL';
}

/**
 * A mechanism failed (a command exited non-zero, a plugin failed). Never reaches HTTP:
 * the agent turns it into a waiting reason or an Event.
 */
export class CommandError extends Error {
  readonly code = 'PEAPOD_COMMAND_FAILED';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    message?: string,
  ) {
    super(message ?? `${command} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim()}`);
    this.name = 'CommandError';
  }
}

export function isPeapodError(err: unknown): err is PeapodError {
  return err instanceof PeapodError;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError;
}

/** "Pod" → "pods", as Kubernetes names resources in its Status messages. */
export function kindToResource(kind: string): string {
  if (/^[a-z]+s$/.test(kind)) return kind;
  const lower = kind.toLowerCase();
  return lower.endsWith('s') ? `${lower}es` : `${lower}s`;
}
