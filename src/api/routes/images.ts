/** @module peapod.io/v1alpha1: images (list, get, delete), imageimports and imageloads. */
import { BadRequestError, NotFoundError, isPeapodError } from '../../core/errors.js';
import type { ImageRecord } from '../../core/ports.js';
import type { Reply, RequestContext } from '../context.js';
import { decodeObject, mediaType, readBody } from '../http-util.js';
import type { Router } from '../router.js';

export const IMAGE_GROUP_VERSION = 'peapod.io/v1alpha1';

export function imageObject(rec: ImageRecord): Record<string, unknown> {
  const hex = rec.id.replace(/^sha256:/, '');
  const obj: Record<string, unknown> = {
    apiVersion: IMAGE_GROUP_VERSION,
    kind: 'Image',
    metadata: { name: hex.slice(0, 12) },
    id: rec.id,
    names: rec.names,
    repoDigests: rec.repoDigests,
    size: rec.size,
  };
  if (rec.created !== undefined) obj.created = rec.created;
  return obj;
}

function imageList(records: ImageRecord[]): Record<string, unknown> {
  return { apiVersion: IMAGE_GROUP_VERSION, kind: 'ImageList', metadata: {}, items: records.map(imageObject) };
}

/** Plain errors from import/load are about the caller's input (a missing file, a bad archive). */
function asInputError(err: unknown): unknown {
  return isPeapodError(err) ? err : new BadRequestError((err as Error)?.message ?? String(err));
}

async function list(ctx: RequestContext): Promise<Reply> {
  return { code: 200, body: imageList(await ctx.deps.images.list()) };
}

async function get(ctx: RequestContext): Promise<Reply> {
  const rec = await ctx.deps.images.resolve(ctx.params.name);
  if (!rec) throw new NotFoundError(`images.peapod.io "${ctx.params.name}" not found`, { name: ctx.params.name, group: 'peapod.io', kind: 'images' });
  return { code: 200, body: imageObject(rec) };
}

async function remove(ctx: RequestContext): Promise<Reply> {
  return { code: 200, body: imageObject(await ctx.deps.images.remove(ctx.params.name)) };
}

function stringField(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new BadRequestError(`${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new BadRequestError(`${field} must be a string`);
  return v;
}

async function importRootfs(ctx: RequestContext): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Record<string, unknown>;
  const source = stringField(body, 'source', true)!;
  const name = stringField(body, 'name', true)!;
  const changes = body.changes ?? [];
  if (!Array.isArray(changes) || changes.some((c) => typeof c !== 'string')) throw new BadRequestError('changes must be a list of strings');
  try {
    return { code: 201, body: imageObject(await ctx.deps.images.importRootfs(source, name, changes as string[])) };
  } catch (err) {
    throw asInputError(err);
  }
}

async function load(ctx: RequestContext): Promise<Reply> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Record<string, unknown>;
  const path = stringField(body, 'path', true)!;
  try {
    return { code: 201, body: imageList(await ctx.deps.images.load(path)) };
  } catch (err) {
    throw asInputError(err);
  }
}

export function addImageRoutes(router: Router): void {
  router.add(`/apis/${IMAGE_GROUP_VERSION}/images`, { GET: list });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/images/:name`, { GET: get, DELETE: remove });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/imageimports`, { POST: importRootfs });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/imageloads`, { POST: load });
}
