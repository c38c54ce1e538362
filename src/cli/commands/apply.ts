/**
 * @module `peapod apply -f`: create what is missing, leave what matches, PUT what changed. A pod
 * matches when its labels, annotations and defaulted spec equal the stored ones; the server
 * decides which spec changes are allowed and its 422 message is printed as is.
 */
import { isDeepStrictEqual } from 'node:util';
import { isNotFound } from '../../core/errors.js';
import { applyPodDefaults } from '../../core/pod-defaults.js';
import type { KubeObject, Pod } from '../../core/types.js';
import type { PeapodClient } from '../../client/peapod-client.js';
import { qualifiedName } from '../../client/discovery.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { readManifests } from '../manifest.js';

type Outcome = 'created' | 'configured' | 'unchanged';

/** JSON-normal form: undefined members dropped, so `{a: undefined}` equals `{}`. */
function normal(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return isDeepStrictEqual(normal(a ?? {}), normal(b ?? {}));
}

/**
 * Server-assigned spec fields a manifest normally leaves out, carried over so they are not a
 * "change": the node, and what the ServiceAccount admission added (the account's name, the
 * kube-api-access-* token volume and its mounts).
 */
function carryServerFields(manifestSpec: Pod['spec'], stored: Pod['spec']): Pod['spec'] {
  if (!manifestSpec || !stored) return manifestSpec;
  const spec = { ...manifestSpec };
  if (spec.nodeName === undefined && stored.nodeName !== undefined) spec.nodeName = stored.nodeName;
  // Resolved by the server's priority admission from the class.
  if (spec.priority === undefined && stored.priority !== undefined) spec.priority = stored.priority;
  if (spec.preemptionPolicy === undefined && stored.preemptionPolicy !== undefined) spec.preemptionPolicy = stored.preemptionPolicy;
  if (spec.serviceAccountName === undefined && stored.serviceAccountName !== undefined) spec.serviceAccountName = stored.serviceAccountName;
  if (spec.serviceAccount === undefined && stored.serviceAccount !== undefined) spec.serviceAccount = stored.serviceAccount;
  const admitted = (stored.volumes ?? []).filter((v) => v.name.startsWith('kube-api-access-') && !(spec.volumes ?? []).some((m) => m.name === v.name));
  if (admitted.length === 0) return spec;
  const names = new Set(admitted.map((v) => v.name));
  spec.volumes = [...(spec.volumes ?? []), ...admitted];
  const withMounts = <C extends { name: string; volumeMounts?: Array<{ name: string }> }>(list: C[] | undefined, from: C[] | undefined): C[] | undefined =>
    list?.map((c) => {
      const mounts = (from?.find((s) => s.name === c.name)?.volumeMounts ?? []).filter((m) => names.has(m.name));
      return mounts.length ? { ...c, volumeMounts: [...(c.volumeMounts ?? []), ...mounts] } : c;
    });
  spec.containers = withMounts(spec.containers, stored.containers) ?? [];
  if (spec.initContainers) spec.initContainers = withMounts(spec.initContainers, stored.initContainers);
  return spec;
}

export async function applyPod(client: PeapodClient, namespace: string, manifest: Pod): Promise<Outcome> {
  const name = manifest.metadata?.name ?? '';
  let stored: Pod;
  try {
    stored = await client.getPod(namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await client.createPod(namespace, { ...manifest, metadata: { ...manifest.metadata, namespace } });
    return 'created';
  }
  const wanted = applyPodDefaults({ ...manifest, metadata: { ...manifest.metadata, namespace }, spec: carryServerFields(manifest.spec, stored.spec) });
  const current = applyPodDefaults(stored);
  const spec = wanted.spec;
  if (
    isDeepStrictEqual(normal(spec), normal(current.spec)) &&
    sameMap(manifest.metadata?.labels, stored.metadata?.labels) &&
    sameMap(manifest.metadata?.annotations, stored.metadata?.annotations)
  ) {
    return 'unchanged';
  }
  const merged: Pod = {
    ...stored,
    metadata: { ...stored.metadata, labels: manifest.metadata?.labels, annotations: manifest.metadata?.annotations },
    spec: carryServerFields(manifest.spec, stored.spec),
  };
  await client.updatePod(namespace, merged);
  return 'configured';
}

/** A Secret as the server will store it (stringData folded into data, type defaulted), so an unchanged one compares equal. */
function asStored(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  const { stringData, ...rest } = obj as KubeObject & { stringData?: Record<string, string>; data?: Record<string, string>; type?: string };
  const data = { ...rest.data };
  for (const [k, v] of Object.entries(stringData ?? {})) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  return { ...rest, type: rest.type || 'Opaque', ...(rest.data || stringData ? { data } : {}) } as KubeObject;
}

async function applyGeneric(client: PeapodClient, manifest: KubeObject, namespace: string | undefined): Promise<Outcome> {
  const obj = asStored(manifest);
  const name = obj.metadata?.name ?? '';
  const withNs = namespace === undefined ? obj : { ...obj, metadata: { ...obj.metadata, namespace } };
  let stored: KubeObject;
  try {
    stored = await client.getObject(obj.apiVersion ?? '', obj.kind ?? '', namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await client.createObject(withNs);
    return 'created';
  }
  const { metadata: _m, status: _s, ...body } = obj;
  const next = { ...stored, ...body, metadata: { ...stored.metadata, labels: obj.metadata?.labels, annotations: obj.metadata?.annotations } };
  // The server's own defaulting decides what "unchanged" means: a dry run shows what it would store.
  const preview = await client.updateObject(next, { dryRun: true });
  const comparable = (o: KubeObject): unknown => normal({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined } });
  if (isDeepStrictEqual(comparable(preview), comparable(stored))) return 'unchanged';
  await client.updateObject(next);
  return 'configured';
}

/** The object's namespace, checked against -n as kubectl does. */
export function namespaceFor(obj: KubeObject, flag: string | undefined): string {
  const own = obj.metadata?.namespace;
  if (own && flag && own !== flag) {
    throw new UsageError(
      `the namespace from the provided object "${own}" does not match the namespace "${flag}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  return own ?? flag ?? 'default';
}

export const applyCommand: Command = {
  usage: 'apply -f FILE|- [-f FILE...] [-n NAMESPACE]',
  summary: 'Create or update objects from manifests (YAML or JSON, several documents, kind: List)',
  details: 'Examples:\n  peapod apply -f web.yaml\n  cat pods.yaml | peapod apply -f -',
  flags: [{ name: 'filename', short: 'f', type: 'string', multiple: true, value: 'FILE', help: 'manifest file, or - for stdin (repeatable)' }],
  async run(ctx: CliContext): Promise<number> {
    const files = (ctx.args.flags.filename as string[] | undefined) ?? [];
    if (files.length === 0) throw new UsageError('must specify one of -f and -k');
    if (ctx.args.positionals.length > 0) throw new UsageError(`unexpected arguments: ${ctx.args.positionals.join(' ')}`);
    const manifests = await readManifests(files, ctx.io.cwd, ctx.io.stdin);
    const client = ctx.client();
    // Kinds (through discovery) and namespaces are checked for every object before the first write.
    const plan = [];
    for (const { object } of manifests) {
      const info = await client.resourceFor(object.apiVersion, object.kind);
      plan.push({ object, info, namespace: info.namespaced ? namespaceFor(object, ctx.namespaceFlag) : undefined });
    }
    let failed = false;
    for (const { object, info, namespace } of plan) {
      const ref = qualifiedName(info, object.metadata?.name ?? '');
      try {
        const outcome =
          info.kind === 'Pod'
            ? await applyPod(client, namespace ?? 'default', object as Pod)
            : await applyGeneric(client, object, namespace);
        ctx.out(`${ref} ${outcome}\n`);
      } catch (err) {
        // kubectl goes on with the other objects and fails at the end.
        if ((err as Error).name === 'DaemonUnreachableError') throw err;
        ctx.err(`${formatError(err)}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
