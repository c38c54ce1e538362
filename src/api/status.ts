/** @module The one place errors become Kubernetes `Status` objects. */
import { isPeapodError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

/**
 * PeapodError → its code, reason and details; anything else → 500 InternalError with the cause
 * logged (the message names no internals and never carries a stack).
 */
export function toStatus(err: unknown, logger?: Logger): StatusObject {
  if (isPeapodError(err)) {
    const status: StatusObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: err.message,
      reason: err.reason,
      code: err.httpCode,
    };
    if (err.details && Object.keys(err.details).length > 0) status.details = { ...err.details };
    return status;
  }
  logger?.error('internal error serving request', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Internal error occurred: the server could not handle the request; see the daemon log',
    reason: 'InternalError',
    details: { causes: [{ message: 'see the daemon log' }] },
    code: 500,
  };
}

export function successStatus(details?: Record<string, unknown>): StatusObject {
  const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}
