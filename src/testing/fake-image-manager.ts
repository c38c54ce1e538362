/** @module An in-memory ImageManager: images are records tests add; import/load fabricate records. */
import { createHash } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../core/errors.js';
import type { ImageManager, ImagePullOptions, ImagePullResult, ImageRecord } from '../core/ports.js';

export class FakeImageManager implements ImageManager {
  readonly images: ImageRecord[] = [];
  /** Names of images that `remove` refuses as in use. */
  readonly inUse = new Set<string>();
  /** Paths `importRootfs` and `load` accept; anything else fails as a missing file would. */
  readonly existingPaths = new Set<string>();
  /** Images `pull` finds "in the registry", by the name it is asked for; anything else fails. */
  readonly remote = new Map<string, Partial<ImageRecord>>();
  /** Every pull asked for, with the credentials it got. */
  readonly pulls: { ref: string; opts: ImagePullOptions | undefined }[] = [];

  private readonly listeners = new Set<() => void>();

  add(name: string, extra: Partial<ImageRecord> = {}): ImageRecord {
    const id = `sha256:${createHash('sha256').update(name).digest('hex')}`;
    const rec: ImageRecord = { id, names: [name], repoDigests: [], config: {}, layerDirs: [], size: 1024, ...extra };
    this.images.push(rec);
    for (const l of [...this.listeners]) l();
    return rec;
  }

  onImagesChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async resolve(ref: string): Promise<ImageRecord | undefined> {
    const bare = ref.startsWith('sha256:') ? ref : `sha256:${ref}`;
    return this.images.find((i) => i.names.includes(ref) || i.id === bare || (ref.length >= 12 && i.id.startsWith(bare)));
  }

  async list(): Promise<ImageRecord[]> {
    return [...this.images];
  }

  async importRootfs(source: string, name: string, changes: string[]): Promise<ImageRecord> {
    if (!this.existingPaths.has(source)) throw new Error(`open ${source}: no such file or directory`);
    const env = changes.filter((c) => c.startsWith('ENV ')).map((c) => c.slice(4).replace(' ', '='));
    return this.add(name, { config: env.length ? { Env: env } : {} });
  }

  async load(path: string): Promise<ImageRecord[]> {
    if (!this.existingPaths.has(path)) throw new Error(`open ${path}: no such file or directory`);
    return [this.add(`localhost/loaded-${this.images.length}:latest`)];
  }

  async pull(ref: string, opts?: ImagePullOptions): Promise<ImagePullResult> {
    this.pulls.push({ ref, opts });
    const extra = this.remote.get(ref);
    if (!extra) throw new Error(`${ref}: manifest unknown`);
    opts?.onProgress?.({ phase: 'done', digest: 'sha256:0', current: 1024, total: 1024 });
    const image = (await this.resolve(ref)) ?? this.add(ref, extra);
    return { image, imageRef: `${ref.replace(/:[^:/]+$/, '')}@sha256:${'0'.repeat(64)}`, downloadedBytes: 1024, size: 1024 };
  }

  async remove(ref: string): Promise<ImageRecord> {
    const rec = await this.resolve(ref);
    if (!rec) throw new NotFoundError(`image "${ref}" not found`, { name: ref, kind: 'images' });
    if (rec.names.some((n) => this.inUse.has(n))) throw new ConflictError(`image "${ref}" is in use by a container`);
    if (ref === '') throw new BadRequestError('empty reference');
    this.images.splice(this.images.indexOf(rec), 1);
    return rec;
  }
}
