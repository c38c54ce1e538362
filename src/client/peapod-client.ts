/**
 * @module The typed client of the peapod API. Speaks the Kubernetes REST paths and shapes; every
 * non-2xx answer becomes the matching core/errors.ts class with the server's message.
 */
import type { Readable, Writable } from 'node:stream';
import type { Event, Namespace, Pod } from '../core/types.js';
import type { KubeList, KubeObject } from '../core/types.js';
import type { WatchEvent } from '../core/ports.js';
import { call, stream, type CallOptions } from './http-call.js';
import { runStreamSession, type ExecResult, type StreamSessionOptions, type TerminalSizeSource } from './stream-session.js';
import { AGGREGATED_DISCOVERY_ACCEPT, parseAggregatedDiscovery, resourceForKind, type DiscoveredResource } from './discovery.js';
import { queryString, resourceFor, resourcePath, type ResourceInfo } from './resource-paths.js';
import { resolveSocketPath, UnixSocketTransport, type Transport } from './transport.js';
import { LineSplitter } from './watch-lines.js';

export interface PeapodClientOptions {
  /** Unix socket of the daemon; default `PEAPOD_SOCKET`, else /run/peapod/peapod.sock. */
  socketPath?: string;
  /** Any other way to reach the API (a later HTTPS+token transport); wins over socketPath. */
  transport?: Transport;
}

export interface VersionInfo {
  major?: string;
  minor?: string;
  gitVersion?: string;
  platform?: string;
  [key: string]: unknown;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

/** Calling it stops the watch; `done` settles when the stream ends (stop, server close or error). */
export type StopWatch = (() => void) & { done: Promise<void> };

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  /** How dependents go: Background (default), Foreground or Orphan (`--cascade`). */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

export interface LogOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
}

/** What exec and attach share. */
export interface StreamOptions {
  container?: string;
  /** When given, stdin=true is requested and its bytes are forwarded; its end half-closes. */
  stdin?: Readable;
  stdout?: Writable;
  /** Not used with tty: the terminal merges stderr into stdout. */
  stderr?: Writable;
  /** Asks for a terminal (tty=true): stderr is merged into stdout. */
  tty?: boolean;
  /** With tty: the sizes to give the remote terminal (first one at once, then each change). */
  terminalSize?: TerminalSizeSource;
}

export interface ExecOptions extends StreamOptions {
  command: string[];
}

export type AttachOptions = StreamOptions;

/** A progress line of `POST /apis/peapod.io/v1alpha1/imagepulls`. */
export interface ImagePullProgressLine {
  type: 'progress';
  phase: 'resolving' | 'downloading' | 'unpacking' | 'exists' | 'done';
  digest?: string;
  current?: number;
  total?: number;
}

/** The final line of a successful pull. */
export interface ImagePullResultLine {
  type: 'result';
  image: ImageInfo;
  imageRef: string;
  downloadedBytes: number;
  size: number;
}

/** An image as `GET /apis/peapod.io/v1alpha1/images` lists it. */
export interface ImageInfo extends KubeObject {
  names?: string[];
  repoDigests?: string[];
  size?: number;
  created?: string;
}

export interface ImageImportRequest {
  /** Absolute path of a rootfs directory or a tarball; the daemon reads it. */
  source: string;
  name: string;
  /** Dockerfile-style instructions, e.g. `ENV PATH=/bin`, `CMD ["sh"]`. */
  changes?: string[];
}

/** What `kubectl get` asks for: a Table when the server prints, else plain JSON. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** A meta.k8s.io/v1 Table (server-side printing). */
export interface Table {
  kind: 'Table';
  apiVersion?: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions: { name: string; type: string; format: string; description?: string; priority: number }[];
  rows: { cells: unknown[]; object?: KubeObject }[];
}

const podInfo = resourceFor('v1', 'Pod');
const imagesPath = '/apis/peapod.io/v1alpha1/images';

export class PeapodClient {
  readonly transport: Transport;
  private discovered: Promise<DiscoveredResource[]> | undefined;

  constructor(options: PeapodClientOptions = {}) {
    this.transport = options.transport ?? new UnixSocketTransport(resolveSocketPath(options.socketPath));
  }

  /** Releases idle connections so the process can exit promptly. */
  close(): void {
    (this.transport as { close?: () => void }).close?.();
  }

  request<T>(opts: CallOptions): Promise<T> {
    return call<T>(this.transport, opts);
  }

  getVersion(): Promise<VersionInfo> {
    return this.request({ method: 'GET', path: '/version' });
  }

  /** Every served resource (aggregated discovery, asked once per client). */
  discover(): Promise<DiscoveredResource[]> {
    this.discovered ??= (async () => {
      const headers = { Accept: AGGREGATED_DISCOVERY_ACCEPT };
      const [core, groups] = await Promise.all([
        this.request<object>({ method: 'GET', path: '/api', headers }),
        this.request<object>({ method: 'GET', path: '/apis', headers }),
      ]);
      return parseAggregatedDiscovery(core, groups);
    })();
    this.discovered.catch(() => (this.discovered = undefined));
    return this.discovered;
  }

  /** The resource of an apiVersion and kind, through discovery (NoKindMatchError if not served). */
  async resourceFor(apiVersion: string | undefined, kind: string | undefined): Promise<DiscoveredResource> {
    return resourceForKind(await this.discover(), apiVersion, kind);
  }

  // --- pods ------------------------------------------------------------------------------------

  createPod(namespace: string, pod: Pod): Promise<Pod> {
    return this.request({ method: 'POST', path: resourcePath(podInfo, namespace), body: pod });
  }

  getPod(namespace: string, name: string): Promise<Pod> {
    return this.request({ method: 'GET', path: resourcePath(podInfo, namespace, name) });
  }

  /** `namespace` undefined lists pods in all namespaces. */
  listPods(namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<Pod & KubeObject>> {
    return this.listObjects<Pod & KubeObject>(podInfo, namespace, opts);
  }

  updatePod(namespace: string, pod: Pod): Promise<Pod> {
    return this.request({ method: 'PUT', path: resourcePath(podInfo, namespace, pod.metadata?.name ?? ''), body: pod });
  }

  /** Returns the pod as the server answered: marked for deletion, or last seen when removed at once. */
  deletePod(namespace: string, name: string, opts: DeleteOptions = {}): Promise<Pod> {
    return this.request({
      method: 'DELETE',
      path: resourcePath(podInfo, namespace, name),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...opts },
    });
  }

  watchPods(namespace: string | undefined, opts: WatchOptions, onEvent: (event: WatchEvent<Pod & KubeObject>) => void): StopWatch {
    return this.watchObjects(podInfo, namespace, opts, onEvent);
  }

  /** The log stream (raw bytes). With `follow` it stays open until the container ends or it is destroyed. */
  podLogs(namespace: string, name: string, opts: LogOptions = {}): Promise<Readable> {
    const query = queryString({
      container: opts.container,
      follow: opts.follow || undefined,
      previous: opts.previous || undefined,
      tailLines: opts.tailLines,
      timestamps: opts.timestamps || undefined,
      sinceSeconds: opts.sinceSeconds,
    });
    return stream(this.transport, {
      method: 'GET',
      path: `${resourcePath(podInfo, namespace, name)}/log${query}`,
      headers: { Accept: '*/*' },
    });
  }

  /** Runs a command in a container; resolves with its exit code, output written to the given streams. */
  exec(namespace: string, name: string, opts: ExecOptions): Promise<ExecResult> {
    const query = queryString({ command: opts.command, ...streamQuery(opts) });
    return runStreamSession(this.transport, `${resourcePath(podInfo, namespace, name)}/exec${query}`, sessionOptions(opts));
  }

  /** Attaches to a running container's own stdio (or terminal); resolves with exit code 0 once the container exits. */
  attach(namespace: string, name: string, opts: AttachOptions): Promise<ExecResult> {
    const query = queryString(streamQuery(opts));
    return runStreamSession(this.transport, `${resourcePath(podInfo, namespace, name)}/attach${query}`, sessionOptions(opts));
  }

  // --- any kind --------------------------------------------------------------------------------

  /** Namespace taken from the object (namespaced kinds; "default" if unset). */
  async createObject<T extends KubeObject>(obj: T): Promise<T> {
    const info = await this.resourceFor(obj.apiVersion, obj.kind);
    return this.request({ method: 'POST', path: resourcePath(info, namespaceOf(info, obj)), body: obj });
  }

  async getObject<T extends KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<T> {
    const info = await this.resourceFor(apiVersion, kind);
    return this.request({ method: 'GET', path: resourcePath(info, info.namespaced ? (namespace ?? 'default') : undefined, name) });
  }

  /** `dryRun`: the server checks and answers what it would store, storing nothing. */
  async updateObject<T extends KubeObject>(obj: T, opts: { dryRun?: boolean } = {}): Promise<T> {
    const info = await this.resourceFor(obj.apiVersion, obj.kind);
    const path = resourcePath(info, namespaceOf(info, obj), obj.metadata?.name ?? '') + (opts.dryRun ? '?dryRun=All' : '');
    return this.request({ method: 'PUT', path, body: obj });
  }

  async deleteObject<T extends KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    const info = await this.resourceFor(apiVersion, kind);
    return this.request({
      method: 'DELETE',
      path: resourcePath(info, info.namespaced ? (namespace ?? 'default') : undefined, name),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...opts },
    });
  }

  /**
   * A list (name undefined) or one object as the server prints it: a meta.k8s.io/v1 Table with
   * the kind's columns, rows carrying their object's metadata.
   */
  getTable(info: ResourceInfo, namespace: string | undefined, name: string | undefined, opts: ListOptions = {}): Promise<Table> {
    const query = name === undefined ? queryString({ labelSelector: opts.labelSelector || undefined, fieldSelector: opts.fieldSelector || undefined }) : '';
    const path = resourcePath(info, info.namespaced ? namespace : undefined, name) + query;
    return this.request({ method: 'GET', path, headers: { Accept: TABLE_ACCEPT } });
  }

  listObjects<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    const query = queryString({ labelSelector: opts.labelSelector || undefined, fieldSelector: opts.fieldSelector || undefined });
    return this.request({ method: 'GET', path: resourcePath(info, info.namespaced ? namespace : undefined) + query });
  }

  watchObjects<T extends KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    opts: WatchOptions & { asTable?: boolean },
    onEvent: (event: WatchEvent<T>) => void,
  ): StopWatch {
    const controller = new AbortController();
    const query = queryString({
      watch: true,
      resourceVersion: opts.resourceVersion || undefined,
      labelSelector: opts.labelSelector || undefined,
      fieldSelector: opts.fieldSelector || undefined,
    });
    const path = resourcePath(info, info.namespaced ? namespace : undefined) + query;
    const done = (async () => {
      try {
        const headers = opts.asTable ? { Accept: TABLE_ACCEPT } : undefined;
        const res = await stream(this.transport, { method: 'GET', path, signal: controller.signal, headers });
        const lines = new LineSplitter();
        for await (const chunk of res) {
          for (const line of lines.push(chunk as Buffer)) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
        for (const line of lines.end()) onEvent(JSON.parse(line) as WatchEvent<T>);
      } catch (err) {
        if (controller.signal.aborted) return;
        throw err;
      }
    })();
    // Callers that never await `done` must not crash the process with an unhandled rejection.
    done.catch(() => undefined);
    const stop = (() => controller.abort()) as StopWatch;
    stop.done = done;
    return stop;
  }

  listNamespaces(opts: ListOptions = {}): Promise<KubeList<Namespace & KubeObject>> {
    return this.listObjects(resourceFor('v1', 'Namespace'), undefined, opts);
  }

  listEvents(namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<Event & KubeObject>> {
    return this.listObjects(resourceFor('v1', 'Event'), namespace, opts);
  }

  // --- images (peapod.io/v1alpha1) -------------------------------------------------------------

  listImages(): Promise<KubeList<ImageInfo>> {
    return this.request({ method: 'GET', path: imagesPath });
  }

  removeImage(ref: string): Promise<KubeObject> {
    return this.request({ method: 'DELETE', path: `${imagesPath}/${encodeURIComponent(ref)}` });
  }

  importImage(req: ImageImportRequest): Promise<KubeObject> {
    return this.request({
      method: 'POST',
      path: '/apis/peapod.io/v1alpha1/imageimports',
      body: { source: req.source, name: req.name, changes: req.changes ?? [] },
    });
  }

  /**
   * Pulls an image from its registry; `onProgress` gets each progress line. Resolves with the
   * result line; a failed pull rejects with an Error carrying the daemon's message.
   */
  async pullImage(
    image: string,
    onProgress?: (p: ImagePullProgressLine) => void,
    credentials?: { username: string; password: string },
  ): Promise<ImagePullResultLine> {
    const res = await stream(this.transport, {
      method: 'POST',
      path: '/apis/peapod.io/v1alpha1/imagepulls',
      body: credentials ? { image, credentials } : { image },
    });
    const lines = new LineSplitter();
    let result: ImagePullResultLine | undefined;
    let failure: string | undefined;
    const handle = (line: string) => {
      const o = JSON.parse(line) as { type?: string; message?: string };
      if (o.type === 'progress') onProgress?.(o as ImagePullProgressLine);
      else if (o.type === 'result') result = o as ImagePullResultLine;
      else if (o.type === 'error') failure = o.message ?? 'image pull failed';
    };
    for await (const chunk of res as AsyncIterable<Buffer>) for (const l of lines.push(chunk)) handle(l);
    for (const l of lines.end()) handle(l);
    if (failure !== undefined) throw new Error(failure);
    if (!result) throw new Error(`the daemon ended the pull of ${image} without a result`);
    return result;
  }

  /** Loads an image archive (docker-archive or OCI layout); `path` must be absolute. */
  loadImages(path: string): Promise<KubeObject> {
    return this.request({
      method: 'POST',
      path: '/apis/peapod.io/v1alpha1/imageloads',
      body: { path },
    });
  }
}

function namespaceOf(info: ResourceInfo, obj: KubeObject): string | undefined {
  return info.namespaced ? (obj.metadata?.namespace ?? 'default') : undefined;
}

/** kubectl's query: stdout always, stderr only without a terminal (which merges it). */
function streamQuery(opts: StreamOptions): Record<string, string | boolean | undefined> {
  const tty = opts.tty === true;
  return { container: opts.container, stdin: opts.stdin ? true : undefined, stdout: true, stderr: tty ? undefined : true, tty };
}

function sessionOptions(opts: StreamOptions): StreamSessionOptions {
  return { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.tty ? undefined : opts.stderr, terminalSize: opts.tty ? opts.terminalSize : undefined };
}
