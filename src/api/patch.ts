/**
 * @module JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over plain JSON values.
 * Strategic merge patch (and apply patches) go to strategic-merge.ts.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '../core/errors.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string): PatchType {
  switch (contentType) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw new UnsupportedMediaTypeError(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new BadRequestError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new BadRequestError(`json patch: path ${pointer} does not exist`);
  }
  if (!isObject(cur) && !Array.isArray(cur)) throw new BadRequestError(`json patch: path ${pointer} does not exist`);
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function arrayIndex(arr: unknown[], key: string, pointer: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  const i = Number(key);
  if (!/^\d+$/.test(key) || i > arr.length || (!forAdd && i === arr.length)) {
    throw new BadRequestError(`json patch: index ${key} out of range in ${pointer}`);
  }
  return i;
}

function getAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const t of parsePointer(pointer)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new BadRequestError(`json patch: path ${pointer} does not exist`);
  }
  return cur;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new BadRequestError('json patch: cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0];
  if (!(key in parent)) throw new BadRequestError(`json patch: path ${pointer} does not exist`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, pointer, !replace);
    parent.splice(i, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) throw new BadRequestError(`json patch: path ${pointer} does not exist`);
    parent[key] = structuredClone(value);
  }
  return doc;
}

export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new BadRequestError('json patch: the body must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of ops as Operation[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new BadRequestError('json patch: each operation needs "op" and "path"');
    }
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value, false);
        break;
      case 'replace':
        doc = addAt(doc, raw.path, raw.value, true);
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'move': {
        const v = removeAt(doc, raw.from ?? '');
        doc = addAt(doc, raw.path, v, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, getAt(doc, raw.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new BadRequestError(`json patch: test operation failed at ${raw.path}`);
        }
        break;
      default:
        throw new BadRequestError(`json patch: unsupported operation ${JSON.stringify(raw.op)}`);
    }
  }
  return doc;
}

/** Applies a PATCH body of the given type to the stored object's JSON. */
export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  if (type === 'json') return applyJsonPatch(target, patch);
  if (!isObject(patch)) throw new BadRequestError('the patch must be a JSON object');
  // Server-side apply without field ownership: the manifest is merged as kubectl's own
  // strategic patch would be, so lists like containers merge by name.
  if (type === 'strategic' || type === 'apply') return applyStrategicMergePatch(target, patch);
  return applyMergePatch(target, patch);
}
