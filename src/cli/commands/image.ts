/** @module `peapod image import|load|pull|ls|rm`: local images, podman-style output. */
import { resolve } from 'node:path';
import type { KubeObject } from '../../core/types.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { imageTable } from '../printers/simple-tables.js';
import { formatBytes, PullProgress } from '../pull-progress.js';

/** The names an import/load answer carries, whatever shape the server gives them. */
function namesOf(result: KubeObject | undefined): string[] {
  const r = (result ?? {}) as Record<string, unknown> & { status?: Record<string, unknown>; metadata?: { name?: string } };
  for (const candidate of [r.items, r.names, r.status?.names, r.images, r.status?.images]) {
    if (Array.isArray(candidate)) {
      return candidate.flatMap((c) => (typeof c === 'string' ? [c] : ((c as { names?: string[] }).names ?? [])));
    }
  }
  const name = r.name ?? r.metadata?.name;
  return typeof name === 'string' ? [name] : [];
}

async function importImage(ctx: CliContext, args: string[]): Promise<number> {
  const [source, name, ...extra] = args;
  if (!source || !name || extra.length > 0) throw new UsageError('image import takes FILE|DIR and NAME[:TAG]');
  const result = await ctx.client().importImage({
    source: resolve(ctx.io.cwd, source),
    name,
    changes: (ctx.args.flags.change as string[] | undefined) ?? [],
  });
  const id = (result as { id?: string }).id ?? result?.metadata?.name;
  ctx.out(id ? `${id}\n` : `Imported ${name}\n`);
  return 0;
}

async function loadImages(ctx: CliContext, args: string[]): Promise<number> {
  const input = (ctx.args.flags.input as string | undefined) ?? args[0];
  if (!input || args.length > (ctx.args.flags.input ? 0 : 1)) throw new UsageError('image load takes -i PATH');
  const result = await ctx.client().loadImages(resolve(ctx.io.cwd, input));
  const names = namesOf(result);
  ctx.out(names.length > 0 ? `Loaded image: ${names.join('\nLoaded image: ')}\n` : `Loaded ${input}\n`);
  return 0;
}

async function pullImage(ctx: CliContext, args: string[]): Promise<number> {
  const [ref, ...extra] = args;
  if (!ref || extra.length > 0) throw new UsageError('image pull takes one image reference');
  const creds = ctx.args.flags.creds as string | undefined;
  let credentials: { username: string; password: string } | undefined;
  if (creds !== undefined) {
    const colon = creds.indexOf(':');
    if (colon <= 0) throw new UsageError('--creds takes USER:PASSWORD');
    credentials = { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
  }
  const quiet = ctx.args.flags.quiet === true;
  const progress = new PullProgress(ctx.io.stderr, (ctx.io.stderr as { isTTY?: boolean }).isTTY === true, ctx.io.now);
  const started = ctx.io.now();
  let result;
  try {
    result = await ctx.client().pullImage(ref, quiet ? undefined : (p) => progress.update(p), credentials);
  } finally {
    if (!quiet) progress.finish();
  }
  if (!quiet) {
    const secs = ((ctx.io.now() - started) / 1000).toFixed(2);
    ctx.err(`Pulled ${result.imageRef} in ${secs}s (${formatBytes(result.downloadedBytes)} downloaded, ${formatBytes(result.size)} compressed)\n`);
  }
  ctx.out(`${(result.image as { id?: string }).id ?? result.image.metadata?.name}\n`);
  return 0;
}

async function listImages(ctx: CliContext): Promise<number> {
  const list = await ctx.client().listImages();
  ctx.out(imageTable(list.items, ctx.io.now()));
  return 0;
}

async function removeImages(ctx: CliContext, refs: string[]): Promise<number> {
  if (refs.length === 0) throw new UsageError('image rm takes at least one image reference');
  let failed = false;
  for (const ref of refs) {
    try {
      await ctx.client().removeImage(ref);
      ctx.out(`Untagged: ${ref}\n`);
    } catch (err) {
      if ((err as Error).name === 'DaemonUnreachableError') throw err;
      ctx.err(`${formatError(err)}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export const imageCommand: Command = {
  usage: 'image (import FILE|DIR NAME[:TAG] [--change INSTR...] | load -i PATH | pull REF [--creds USER:PASS] | ls | rm REF...)',
  summary: 'Manage images: import a rootfs, load an archive, pull from a registry, list, remove',
  details: [
    'Examples:',
    "  peapod image import ./rootfs busybox:local --change 'ENV PATH=/bin' --change 'CMD [\"sh\"]'",
    '  peapod image load -i busybox.tar',
    '  peapod image pull docker.io/library/nginx:1.27',
    '  peapod image ls',
    '  peapod image rm busybox:local',
  ].join('\n'),
  flags: [
    { name: 'change', short: 'c', type: 'string', multiple: true, value: 'INSTR', help: 'import: a Dockerfile instruction to apply (repeatable)' },
    { name: 'input', short: 'i', type: 'string', value: 'PATH', help: 'load: the archive to read' },
    { name: 'creds', type: 'string', value: 'USER:PASS', help: 'pull: credentials for the image\'s registry' },
    { name: 'quiet', short: 'q', type: 'boolean', help: 'pull: print only the image id' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const [sub, ...args] = ctx.args.positionals;
    switch (sub) {
      case 'import':
        return importImage(ctx, args);
      case 'load':
        return loadImages(ctx, args);
      case 'pull':
        return pullImage(ctx, args);
      case 'ls':
      case 'list':
        if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`);
        return listImages(ctx);
      case 'rm':
      case 'remove':
        return removeImages(ctx, args);
      case undefined:
        throw new UsageError('image needs a subcommand: import, load, pull, ls or rm');
      default:
        throw new UsageError(`unknown image subcommand "${sub}"`);
    }
  },
};
