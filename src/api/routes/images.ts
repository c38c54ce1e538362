/** @module peapod.io/v1alpha1: images (list, get, delete), imageimports, imageloads and imagepulls. */
import { BadRequestError, NotFoundError, isPeapodError } from '../../core/errors.js';
import { normalizeImageReference, parseImageReference } from '../../core/image-reference.js';
import type { CredentialMap } from '../../core/registry-auth.js';
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

/**
 * Pulls an image, streaming JSON lines: `{"type":"progress",phase,digest,current,total}` while it
 * runs, then one `{"type":"result",image,imageRef,downloadedBytes,size}` or
 * `{"type":"error",message}`. A bad reference or body is a 400 before anything streams.
 * Optional `credentials: {username, password}` apply to the image's registry for this pull.
 */
async function pull(ctx: RequestContext): Promise<Reply | undefined> {
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req)) as Record<string, unknown>;
  const image = stringField(body, 'image', true)!;
  const ref = normalizeImageReference(image);
  let credentials: CredentialMap | undefined;
  if (body.credentials !== undefined && body.credentials !== null) {
    const c = body.credentials as Record<string, unknown>;
    if (typeof c !== 'object' || typeof c.username !== 'string' || typeof c.password !== 'string') {
      throw new BadRequestError('credentials must be {"username": string, "password": string}');
    }
    credentials = { [parseImageReference(ref).domain]: { username: c.username, password: c.password } };
  }
  const { res } = ctx;
  res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  let closed = false;
  const untrack = ctx.track(() => {
    closed = true;
    res.end();
  });
  res.on('close', () => (closed = true));
  const line = (o: unknown) => {
    if (!closed) res.write(`${JSON.stringify(o)}\n`);
  };
  try {
    const result = await ctx.deps.images.pull(ref, { ...(credentials ? { credentials } : {}), onProgress: (p) => line({ type: 'progress', ...p }) });
    line({ type: 'result', image: imageObject(result.image), imageRef: result.imageRef, downloadedBytes: result.downloadedBytes, size: result.size });
  } catch (err) {
    ctx.deps.logger.info('image pull failed', { image: ref, err: String((err as Error)?.message ?? err) });
    line({ type: 'error', message: `failed to pull ${ref}: ${(err as Error)?.message ?? String(err)}` });
  } finally {
    untrack();
    if (!closed) res.end();
  }
  return undefined;
}

export function addImageRoutes(router: Router): void {
  router.add(`/apis/${IMAGE_GROUP_VERSION}/imagepulls`, { POST: pull });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/images`, { GET: list });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/images/:name`, { GET: get, DELETE: remove });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/imageimports`, { POST: importRootfs });
  router.add(`/apis/${IMAGE_GROUP_VERSION}/imageloads`, { POST: load });
}
