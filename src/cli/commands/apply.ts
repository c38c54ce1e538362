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
import { resourceFor } from '../../client/resource-paths.js';
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

/** Server-assigned spec fields a manifest normally leaves out; carried over so they are not a "change". */
function carryServerFields(manifestSpec: Pod['spec'], stored: Pod['spec']): Pod['spec'] {
  if (!manifestSpec || !stored) return manifestSpec;
  const spec = { ...manifestSpec };
  if (spec.nodeName === undefined && stored.nodeName !== undefined) spec.nodeName = stored.nodeName;
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
  const wanted = applyPodDefaults({ ...manifest, metadata: { ...manifest.metadata, namespace } });
  const current = applyPodDefaults(stored);
  const spec = carryServerFields(wanted.spec, current.spec);
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
  if (sameMap(obj.metadata?.labels, stored.metadata?.labels) && sameMap(obj.metadata?.annotations, stored.metadata?.annotations)) {
    const ignored = new Set(['metadata', 'status']);
    const changed = Object.keys(obj).some((k) => !ignored.has(k) && !isDeepStrictEqual(normal((obj as Record<string, unknown>)[k]), normal((stored as Record<string, unknown>)[k])));
    if (!changed) return 'unchanged';
  }
  const { metadata: _m, status: _s, ...body } = obj;
  await client.updateObject({ ...stored, ...body, metadata: { ...stored.metadata, labels: obj.metadata?.labels, annotations: obj.metadata?.annotations } });
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
    // Kinds and namespaces are checked for every object before the first request.
    for (const { object } of manifests) resourceFor(object.apiVersion, object.kind);
    const plan = manifests.map(({ object }) => {
      const info = resourceFor(object.apiVersion, object.kind);
      return { object, info, namespace: info.namespaced ? namespaceFor(object, ctx.namespaceFlag) : undefined };
    });
    const client = ctx.client();
    let failed = false;
    for (const { object, info, namespace } of plan) {
      const ref = `${info.kind.toLowerCase()}/${object.metadata?.name}`;
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
