/**
 * @module Turns a Kubernetes `Status` (or a non-Status error body) back into the matching class of
 * core/errors.ts, keeping the server's message verbatim so the CLI prints what the server said.
 */
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InternalError,
  InvalidError,
  MethodNotAllowedError,
  NotFoundError,
  RequestEntityTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  type PeapodError,
  type StatusCause,
  type StatusDetails,
} from '../core/errors.js';

/** The fields of a `metav1.Status` the client reads. */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: StatusDetails;
}

type Plain = new (message: string, details?: StatusDetails) => PeapodError;

const byReason: Record<string, Plain> = {
  NotFound: NotFoundError,
  AlreadyExists: AlreadyExistsError,
  Conflict: ConflictError,
  BadRequest: BadRequestError,
  Expired: GoneError,
  Gone: GoneError,
  MethodNotAllowed: MethodNotAllowedError,
  Unauthorized: UnauthorizedError,
  Forbidden: ForbiddenError,
  RequestEntityTooLarge: RequestEntityTooLargeError,
  UnsupportedMediaType: UnsupportedMediaTypeError,
  ServiceUnavailable: ServiceUnavailableError,
  InternalError: InternalError,
};

const byCode: Record<number, Plain> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  409: ConflictError,
  410: GoneError,
  413: RequestEntityTooLargeError,
  415: UnsupportedMediaTypeError,
  503: ServiceUnavailableError,
};

const defaultMessages: Record<number, string> = {
  404: 'the server could not find the requested resource',
  405: 'the server does not allow this method on the requested resource',
};

export function isStatusBody(body: unknown): body is StatusBody {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}

/** `httpCode` is the response's status code; the body's own `code` wins when present. */
export function statusToError(body: unknown, httpCode: number): PeapodError {
  const status: StatusBody = isStatusBody(body) ? body : {};
  const code = status.code ?? httpCode;
  const message =
    status.message ??
    (typeof body === 'string' && body.trim() !== '' ? body.trim() : undefined) ??
    defaultMessages[code] ??
    `the server responded with HTTP ${code}`;
  const details = status.details;
  if (status.reason === 'Invalid' || (status.reason === undefined && code === 422)) {
    const causes: StatusCause[] = details?.causes ?? [];
    const err = new InvalidError(details?.kind ?? '', details?.name ?? '', causes);
    err.message = message;
    return err;
  }
  const Class = (status.reason !== undefined ? byReason[status.reason] : undefined) ?? byCode[code] ?? InternalError;
  return new Class(message, details);
}
