/**
 * @module `peapod delete pod NAME...` / `delete -f FILE`: kubectl's grace-period rules, then (like
 * kubectl's default --wait=true) waits on a watch until each object is really gone.
 */
import { isNotFound } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import type { PeapodClient } from '../../client/peapod-client.js';
import { resourceFor, type ResourceInfo } from '../../client/resource-paths.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { readManifests } from '../manifest.js';
import { namespaceFor } from './apply.js';
import { parseResourceArg } from './get.js';

/** kubectl: --now is a grace of 1 s; --grace-period=0 without --force means 1; --force alone means 0. */
export function gracePeriod(flags: { 'grace-period'?: number; now?: boolean; force?: boolean }): number | undefined {
  let grace = flags['grace-period'] ?? -1;
  if (flags.now) {
    if (grace !== -1) throw new UsageError('--now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (grace === 0 && !flags.force) grace = 1;
  if (flags.force && grace < 0) grace = 0;
  return grace < 0 ? undefined : grace;
}

interface Target {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
}

/** Resolves once the object with this uid is gone (DELETED seen, or a GET says NotFound / another uid). */
async function waitGone(client: PeapodClient, target: Target, last: KubeObject): Promise<void> {
  if (!last.metadata?.deletionTimestamp) return; // the server removed it at once
  const uid = last.metadata.uid;
  let resourceVersion = last.metadata.resourceVersion;
  for (;;) {
    let resolveGone!: () => void;
    const gone = new Promise<void>((resolve) => (resolveGone = resolve));
    const stop = client.watchObjects(target.info, target.namespace, { resourceVersion, fieldSelector: `metadata.name=${target.name}` }, (event) => {
      if (event.type === 'DELETED' && (!uid || event.object.metadata?.uid === uid)) resolveGone();
    });
    try {
      // The GET closes the gap where the object went away before the watch started.
      const stillThere = await client
        .getObject(target.info.apiVersion, target.info.kind, target.namespace, target.name)
        .then((o) => !uid || o.metadata?.uid === uid, (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)));
      if (!stillThere) return;
      const how = await Promise.race([gone.then(() => 'gone'), stop.done.then(() => 'ended', () => 'ended')]);
      if (how === 'gone') return;
    } finally {
      stop();
    }
    // The watch ended (server timeout, expired resourceVersion): look again and watch from now.
    resourceVersion = undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export const deleteCommand: Command = {
  usage: 'delete (pod|pods|po|namespace|ns) NAME... | -f FILE [--grace-period N] [--now] [--force] [--wait=false]',
  summary: 'Delete pods or namespaces, by name or from manifests',
  flags: [
    { name: 'filename', short: 'f', type: 'string', multiple: true, value: 'FILE', help: 'delete the objects in this manifest (repeatable)' },
    { name: 'grace-period', type: 'number', value: 'N', help: 'seconds the pod gets to stop (-1: its own default)' },
    { name: 'now', type: 'boolean', help: 'a grace period of 1 second' },
    { name: 'force', type: 'boolean', help: 'with --grace-period=0: remove at once without waiting for the containers' },
    { name: 'wait', type: 'boolean', help: 'wait until the objects are gone (default true)' },
    { name: 'ignore-not-found', type: 'boolean', help: 'treat a missing object as deleted' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const flags = ctx.args.flags as { 'grace-period'?: number; now?: boolean; force?: boolean; wait?: boolean; filename?: string[]; 'ignore-not-found'?: boolean };
    const grace = gracePeriod(flags);
    const targets: Target[] = [];
    if (flags.filename && flags.filename.length > 0) {
      if (ctx.args.positionals.length > 0) throw new UsageError('names cannot be given together with -f');
      for (const { object } of await readManifests(flags.filename, ctx.io.cwd, ctx.io.stdin)) {
        const info = resourceFor(object.apiVersion, object.kind);
        targets.push({ info, namespace: info.namespaced ? namespaceFor(object, ctx.namespaceFlag) : undefined, name: object.metadata?.name ?? '' });
      }
    } else {
      const [first, ...more] = ctx.args.positionals;
      const { kind, name } = parseResourceArg(first, 'delete');
      const names = name !== undefined ? [name, ...more] : more;
      if (names.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
      const info = resourceFor('v1', kind);
      for (const n of names) targets.push({ info, namespace: info.namespaced ? ctx.namespace : undefined, name: n });
    }
    if (flags.force && grace === 0) {
      ctx.err('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    }
    const client = ctx.client();
    let failed = false;
    const waits: Promise<void>[] = [];
    for (const target of targets) {
        try {
        const last = await client.deleteObject<KubeObject>(target.info.apiVersion, target.info.kind, target.namespace, target.name, grace === undefined ? {} : { gracePeriodSeconds: grace });
        ctx.out(`${target.info.kind.toLowerCase()} "${target.name}" ${grace === 0 && flags.force ? 'force deleted' : 'deleted'}\n`);
        if (flags.wait !== false && last?.kind !== 'Status') waits.push(waitGone(client, target, last));
      } catch (err) {
        if (isNotFound(err) && flags['ignore-not-found']) continue;
        if ((err as Error).name === 'DaemonUnreachableError') throw err;
        ctx.err(`${formatError(err)}\n`);
        failed = true;
      }
    }
    await Promise.all(waits);
    return failed ? 1 : 0;
  },
};
