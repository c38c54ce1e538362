/**
 * @module Static pods (the kubelet's file config source and mirror client): keeps the node's
 * mirror pods what the manifests directory says, planned by core/static-pods.ts. A pass runs on
 * every change of the directory and whenever a mirror pod is removed (the successor of a changed
 * file waits for its predecessor to be gone); the pods themselves are then run by the pod
 * workers like any other, so they run whether or not a client is connected. A manifest that
 * cannot be used is logged and reported once (per problem) as a Warning Event on the Node,
 * naming the file and the field; the other files carry on.
 */
import { AlreadyExistsError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Clock, ManifestSource, MirrorPodClient, PodSource } from '../core/ports.js';
import { rfc3339Seconds } from '../core/rfc3339.js';
import { isMirrorPod, planStaticPods, staticPodFromFile, type ManifestFile } from '../core/static-pods.js';
import type { Pod } from '../core/types.js';
import type { EventRecorder } from './event-recorder.js';

export interface StaticPodManagerDeps {
  manifests: ManifestSource;
  pods: PodSource;
  mirrors: MirrorPodClient;
  events: Pick<EventRecorder, 'record'>;
  clock: Pick<Clock, 'now'>;
  logger: Logger;
  nodeName: string;
  /** The Node object's uid once registered: mirror pods are owned by their Node. */
  nodeUid: () => string | undefined;
  /** md5 hex, the kubelet's static pod UID hash. */
  hash: (text: string) => string;
}

export const INVALID_MANIFEST_REASON = 'InvalidManifest';

export class StaticPodManager {
  private files: ManifestFile[] | undefined;
  /** Problems already reported, by file: each is said once, again only when it changes. */
  private readonly reported = new Map<string, string>();
  private stops: Array<() => void> = [];
  private syncing = false;
  private again = false;

  constructor(private readonly d: StaticPodManagerDeps) {}

  start(): void {
    this.stops.push(
      this.d.manifests.watch((files) => {
        this.files = files;
        this.sync();
      }),
    );
    const rv = this.d.pods.listPods().metadata.resourceVersion;
    this.stops.push(
      this.d.pods.watchPods(rv, (e) => {
        if (e.type === 'DELETED' && isMirrorPod(e.object as Pod)) this.sync();
      }),
    );
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  /** One pass now, or right after the running one (passes never overlap, none is lost). */
  sync(): void {
    if (this.files === undefined) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        this.pass(this.files);
      } while (this.again);
    } finally {
      this.syncing = false;
    }
  }

  private pass(files: ManifestFile[]): void {
    const { nodeName } = this.d;
    const seenAt = rfc3339Seconds(this.d.clock.now());
    const uid = this.d.nodeUid();
    const wanted: Array<{ path: string; pod: Pod }> = [];
    const problems = new Map<string, string>();
    for (const file of files) {
      const r = staticPodFromFile(file, { name: nodeName, ...(uid ? { uid } : {}) }, seenAt, this.d.hash);
      if ('error' in r) problems.set(r.path, r.error);
      else wanted.push(r);
    }
    const plan = planStaticPods(wanted, this.d.pods.listPods().items, nodeName);
    for (const c of plan.conflicts) problems.set(c.path, c.error);
    this.report(problems);
    for (const pod of plan.delete) {
      const m = pod.metadata!;
      this.d.logger.info('static pod: stopping its mirror pod', { pod: `${m.namespace}/${m.name}`, file: m.annotations?.['peapod.io/static-pod-file'] });
      this.d.mirrors.deleteMirrorPod(m.namespace!, m.name!, m.uid!);
    }
    for (const pod of plan.create) {
      const m = pod.metadata!;
      try {
        this.d.mirrors.createMirrorPod(pod);
        this.d.logger.info('static pod: created its mirror pod', { pod: `${m.namespace}/${m.name}`, uid: m.uid });
      } catch (err) {
        // Taken since the plan was made (a client's create): the next pass names the conflict.
        if (!(err instanceof AlreadyExistsError)) throw err;
        this.again = true;
      }
    }
  }

  private report(problems: Map<string, string>): void {
    for (const [path, error] of problems) {
      if (this.reported.get(path) === error) continue;
      this.reported.set(path, error);
      this.d.logger.error('static pod manifest not used', { file: path, error });
      this.d.events.record({
        kind: 'Node',
        pod: { metadata: { name: this.d.nodeName, namespace: 'default', uid: this.d.nodeName } },
        type: 'Warning',
        reason: INVALID_MANIFEST_REASON,
        message: error,
      });
    }
    for (const path of [...this.reported.keys()]) if (!problems.has(path)) this.reported.delete(path);
  }
}
