/**
 * @module `peapod delete TYPE NAME... | TYPE/NAME... | -f FILE | TYPE -l SELECTOR | TYPE --all` for
 * any served kind: kubectl's grace-period rules and `--cascade=background|foreground|orphan`, then
 * (like kubectl's default --wait=true) waits on a watch until each object is really gone.
 */
import { isNotFound } from '../../core/errors.js';
import type { KubeObject } from '../../core/types.js';
import { qualifiedName, type DiscoveredResource } from '../../client/discovery.js';
import type { DeleteOptions, PeapodClient } from '../../client/peapod-client.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { readManifests } from '../manifest.js';
import { resolveResourceArgs } from '../resource-args.js';
import { namespaceFor } from './apply.js';

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

/** kubectl's --cascade values (true and false are its old spellings). */
export function propagationPolicy(cascade: string | undefined): NonNullable<DeleteOptions['propagationPolicy']> {
  switch (cascade) {
    case undefined:
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new UsageError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  }
}

interface Target {
  info: DiscoveredResource;
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
  usage: 'delete TYPE NAME... | TYPE/NAME... | TYPE -l SELECTOR | TYPE --all | -f FILE [--cascade=background|foreground|orphan] [--grace-period N] [--now] [--force] [--wait=false]',
  summary: 'Delete objects of any served kind, by name, selector or from manifests',
  flags: [
    { name: 'selector', short: 'l', type: 'string', value: 'SELECTOR', help: 'delete the objects this label selector matches' },
    { name: 'all', type: 'boolean', help: 'delete every object of the type in the namespace' },
    { name: 'cascade', type: 'string', value: 'MODE', help: 'background (default), foreground or orphan: what happens to dependents' },
    { name: 'filename', short: 'f', type: 'string', multiple: true, value: 'FILE', help: 'delete the objects in this manifest (repeatable)' },
    { name: 'grace-period', type: 'number', value: 'N', help: 'seconds the pod gets to stop (-1: its own default)' },
    { name: 'now', type: 'boolean', help: 'a grace period of 1 second' },
    { name: 'force', type: 'boolean', help: 'with --grace-period=0: remove at once without waiting for the containers' },
    { name: 'wait', type: 'boolean', help: 'wait until the objects are gone (default true)' },
    { name: 'ignore-not-found', type: 'boolean', help: 'treat a missing object as deleted' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const flags = ctx.args.flags as {
      'grace-period'?: number;
      now?: boolean;
      force?: boolean;
      wait?: boolean;
      filename?: string[];
      'ignore-not-found'?: boolean;
      selector?: string;
      all?: boolean;
      cascade?: string;
    };
    const grace = gracePeriod(flags);
    const policy = propagationPolicy(flags.cascade);
    const targets: Target[] = [];
    const client = ctx.client();
    if (flags.filename && flags.filename.length > 0) {
      if (ctx.args.positionals.length > 0) throw new UsageError('names cannot be given together with -f');
      const manifests = await readManifests(flags.filename, ctx.io.cwd, ctx.io.stdin);
      for (const { object } of manifests) {
        const info = await client.resourceFor(object.apiVersion, object.kind);
        targets.push({ info, namespace: info.namespaced ? namespaceFor(object, ctx.namespaceFlag) : undefined, name: object.metadata?.name ?? '' });
      }
    } else {
      const { targets: resolved } = resolveResourceArgs(await client.discover(), ctx.args.positionals, 'delete');
      for (const t of resolved) {
        const namespace = t.resource.namespaced ? ctx.namespace : undefined;
        let names = t.names;
        if (names.length === 0) {
          if (!flags.selector && !flags.all) throw new UsageError('resource(s) were provided, but no name was specified');
          const list = await client.listObjects(t.resource, namespace, { labelSelector: flags.selector });
          names = list.items.map((o) => o.metadata?.name ?? '');
          if (names.length === 0) ctx.out(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
        }
        for (const n of names) targets.push({ info: t.resource, namespace, name: n });
      }
    }
    if (flags.force && grace === 0) {
      ctx.err('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    }
    let failed = false;
    const waits: Promise<void>[] = [];
    for (const target of targets) {
        try {
        const opts: DeleteOptions = grace === undefined ? { propagationPolicy: policy } : { gracePeriodSeconds: grace, propagationPolicy: policy };
        const last = await client.deleteObject<KubeObject>(target.info.apiVersion, target.info.kind, target.namespace, target.name, opts);
        const ref = qualifiedName(target.info, target.name).replace(/\/.*$/, '');
        ctx.out(`${ref} "${target.name}" ${grace === 0 && flags.force ? 'force deleted' : 'deleted'}\n`);
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
