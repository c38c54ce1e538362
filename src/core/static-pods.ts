/**
 * @module Static pods, as the kubelet's staticPodPath (pkg/kubelet/config/file.go, common.go and
 * the mirror client): every manifest file in a directory is one pod this node runs whether or
 * not a client is connected, shown in the API as its mirror pod `<name>-<node>` carrying the
 * kubelet's `kubernetes.io/config.*` annotations. Its UID is a hash of the file's pod, the node
 * and the file, so a changed file is a new pod (the old one is stopped first, then the new one
 * created under the same name), and a removed file stops its pod. Pure: the files come in read,
 * the plan goes out; the agent's StaticPodManager carries it out.
 */
import { parseAllDocuments } from 'yaml';
import { BadRequestError, ForbiddenError, InvalidError } from './errors.js';
import { applyPodDefaults } from './pod-defaults.js';
import { decodePod } from './pod-decode.js';
import { validatePodCreate } from './pod-validation.js';
import { qosClass } from './qos.js';
import type { Pod } from './types.js';

export const ConfigAnnotations = {
  /** "file" for a static pod from the manifests directory. */
  source: 'kubernetes.io/config.source',
  /** The static pod's UID (the hash of its file's pod). */
  hash: 'kubernetes.io/config.hash',
  /** Set on mirror pods, to the static pod's hash: what makes a pod a mirror pod. */
  mirror: 'kubernetes.io/config.mirror',
  /** When the node first saw this version of the pod. */
  seen: 'kubernetes.io/config.seen',
  /** peapod's own: the file the pod comes from, for messages and `describe`. */
  file: 'peapod.io/static-pod-file',
} as const;

export interface ManifestFile {
  path: string;
  text: string;
}

export type StaticPodResult = { path: string; pod: Pod } | { path: string; error: string };

export interface StaticPodNode {
  name: string;
  uid?: string;
}

/** A pod whose spec comes from a file on its node: clients may read it, not change it. */
export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[ConfigAnnotations.mirror] !== undefined;
}

/**
 * Mirror pods are read-only to clients (the agent writes them through its own port): a change or
 * a delete through the API is refused, naming the file to edit or remove instead. So is a
 * client's pod that claims to be a mirror pod.
 */
export function checkClientMayWrite(pod: Pod, verb: 'create' | 'update' | 'delete'): void {
  if (!isMirrorPod(pod)) return;
  const name = pod.metadata?.name ?? '';
  if (verb === 'create') {
    throw new ForbiddenError(`pods "${name}" is forbidden: only the node creates mirror pods (annotation ${ConfigAnnotations.mirror}); put a manifest file in its manifests directory instead`, { name, kind: 'pods' });
  }
  const file = pod.metadata?.annotations?.[ConfigAnnotations.file] ?? 'a manifest file on its node';
  throw new ForbiddenError(`pods "${name}" is forbidden: it is the mirror pod of the static pod in ${file}: ${verb === 'delete' ? 'remove' : 'edit'} that file instead`, { name, kind: 'pods' });
}

/**
 * The pod a manifest file asks for, as its mirror pod (bound to the node, defaulted, validated),
 * or what is wrong with the file: its path, then the field and the problem.
 */
export function staticPodFromFile(file: ManifestFile, node: StaticPodNode, seenAt: string, hash: (text: string) => string): StaticPodResult {
  const fail = (message: string): StaticPodResult => ({ path: file.path, error: `${file.path}: ${message}` });
  let raw: unknown;
  try {
    const docs = parseAllDocuments(file.text).filter((d) => d.contents !== null);
    if (docs.length === 0) return fail('no pod in the file');
    if (docs.length > 1) return fail(`one pod per file: found ${docs.length} documents`);
    const doc = docs[0];
    if (doc.errors.length > 0) return fail(`not YAML or JSON: ${doc.errors[0].message.split('\n')[0]}`);
    raw = doc.toJS();
  } catch (err) {
    return fail(`not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a Pod object');
  const obj = raw as { apiVersion?: unknown; kind?: unknown };
  if (obj.kind !== 'Pod') return fail(`kind: Unsupported value: ${JSON.stringify(obj.kind ?? null)}: supported values: "Pod"`);
  if (obj.apiVersion !== 'v1') return fail(`apiVersion: Unsupported value: ${JSON.stringify(obj.apiVersion ?? null)}: supported values: "v1"`);
  try {
    const decoded = decodePod(raw);
    const meta = decoded.metadata ?? {};
    if (!meta.name) return fail('metadata.name: Required value: a static pod needs a name');
    const namespace = meta.namespace || 'default';
    // The kubelet's UID: a hash of the pod as the file has it, the node and the file.
    const uid = hash(`${JSON.stringify(decoded)}\nhost:${node.name}\nfile:${file.path}`);
    const { status: _ignored, ...rest } = decoded;
    let pod: Pod = {
      ...rest,
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(meta.labels ? { labels: meta.labels } : {}),
        name: `${meta.name}-${node.name.toLowerCase()}`,
        namespace,
        uid,
        annotations: {
          ...(meta.annotations ?? {}),
          [ConfigAnnotations.source]: 'file',
          [ConfigAnnotations.hash]: uid,
          [ConfigAnnotations.mirror]: uid,
          [ConfigAnnotations.seen]: seenAt,
          [ConfigAnnotations.file]: file.path,
        },
        ...(node.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid, controller: true }] } : {}),
      },
    };
    pod = applyPodDefaults(pod);
    validatePodCreate(pod);
    pod = { ...pod, spec: { ...pod.spec!, nodeName: node.name } };
    return { path: file.path, pod: { ...pod, status: { phase: 'Pending', qosClass: qosClass(pod) } } };
  } catch (err) {
    if (err instanceof InvalidError) return fail(err.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', '));
    if (err instanceof BadRequestError) return fail(err.message);
    throw err;
  }
}

export interface StaticPodPlan {
  /** Mirror pods to create now (their name is free). */
  create: Pod[];
  /** Mirror pods to stop and remove (gracefully): their file is gone or changed. */
  delete: Pod[];
  /** Files whose pod cannot be made, with why (the file's other problems come from staticPodFromFile). */
  conflicts: { path: string; error: string }[];
}

const keyOf = (pod: Pod): string => `${pod.metadata!.namespace}/${pod.metadata!.name}`;
const hashOf = (pod: Pod): string | undefined => pod.metadata?.annotations?.[ConfigAnnotations.mirror];

/**
 * What to do so that the node's mirror pods are the files' pods. A pod whose file changed is
 * stopped first; its successor (same name, new UID) is created once the old one is gone, in a
 * later pass. `stored` is every pod in the store (any node, any kind).
 */
export function planStaticPods(wanted: ReadonlyArray<{ path: string; pod: Pod }>, stored: readonly Pod[], nodeName: string): StaticPodPlan {
  const plan: StaticPodPlan = { create: [], delete: [], conflicts: [] };
  const byKey = new Map(stored.map((p) => [keyOf(p), p]));
  const claimed = new Map<string, string>();
  for (const { path, pod } of [...wanted].sort((a, b) => a.path.localeCompare(b.path))) {
    const key = keyOf(pod);
    const first = claimed.get(key);
    if (first !== undefined) {
      plan.conflicts.push({ path, error: `${path}: metadata.name: Duplicate value: the pod ${key} comes from ${first} already` });
      continue;
    }
    claimed.set(key, path);
    const existing = byKey.get(key);
    if (!existing) {
      plan.create.push(pod);
    } else if (!isMirrorPod(existing)) {
      plan.conflicts.push({ path, error: `${path}: metadata.name: the pod ${key} exists already and does not come from a manifest file` });
    } else if (hashOf(existing) !== hashOf(pod) && !existing.metadata?.deletionTimestamp) {
      plan.delete.push(existing);
    }
  }
  for (const pod of stored) {
    if (!isMirrorPod(pod) || pod.spec?.nodeName !== nodeName || pod.metadata?.annotations?.[ConfigAnnotations.source] !== 'file') continue;
    if (!claimed.has(keyOf(pod)) && !pod.metadata?.deletionTimestamp) plan.delete.push(pod);
  }
  return plan;
}
