/** @module Small helpers for requests and replies: bodies, query parameters, JSON replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { BadRequestError, RequestEntityTooLargeError } from '../core/errors.js';
import type { KubeObject } from '../core/types.js';
import { decodeProtobuf } from './protobuf.js';

/** The API server's own limit on request bodies. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): RequestEntityTooLargeError {
  return new RequestEntityTooLargeError(`the request body is larger than the limit of ${limit} bytes`);
}

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'application/apply-patch+yaml']);

/** Decodes a JSON, YAML or (for a few kinds) protobuf body by Content-Type (JSON when absent). */
export function decodeBody(body: Buffer, contentType: string): unknown {
  const value = decodeBodyAnyDepth(body, contentType);
  if (tooDeep(value)) throw new BadRequestError(`the request body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  return value;
}

function decodeBodyAnyDepth(body: Buffer, contentType: string): unknown {
  if (contentType === 'application/vnd.kubernetes.protobuf') return decodeProtobuf(body);
  const text = body.toString('utf8');
  if (text.trim() === '') throw new BadRequestError('the request body is empty');
  if (YAML_TYPES.has(contentType)) {
    try {
      return parseYaml(text);
    } catch (err) {
      throw new BadRequestError(`error decoding YAML body: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`error decoding JSON body: ${(err as Error).message}`);
  }
}

/** Deeper bodies are refused: cloning and diffing them recursively would overflow the stack (a 500). */
export const MAX_BODY_DEPTH = 500;

function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return true;
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export function decodeObject(body: Buffer, contentType: string): KubeObject {
  const value = decodeBody(body, contentType);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError('the request body must be a JSON or YAML object');
  }
  return value as KubeObject;
}

/** `kind` and `apiVersion` must be the expected ones or absent. */
export function checkTypeMeta(obj: KubeObject, apiVersion: string, kind: string): void {
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw new BadRequestError(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw new BadRequestError(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind})`);
  }
}

export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new BadRequestError(`invalid value for ${name}: ${JSON.stringify(v)}: must be true or false`);
}

export function queryInt(q: URLSearchParams, name: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || !/^-?\d+$/.test(v)) throw new BadRequestError(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  if (n < min) throw new BadRequestError(`invalid value for ${name}: ${n}: must be greater than or equal to ${min}`);
  return n;
}

export function isDryRun(q: URLSearchParams, fromBody?: unknown): boolean {
  const values = [...q.getAll('dryRun'), ...(Array.isArray(fromBody) ? (fromBody as unknown[]).map(String) : [])];
  for (const v of values) {
    if (v !== 'All') throw new BadRequestError(`invalid dry run option: ${JSON.stringify(v)}: supported values: "All"`);
  }
  return values.length > 0;
}
