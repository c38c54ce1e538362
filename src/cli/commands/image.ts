/** @module `peapod image import|load|ls|rm`: local images, podman-style output. */
import { resolve } from 'node:path';
import type { KubeObject } from '../../core/types.js';
import type { CliContext, Command } from '../cli-context.js';
import { formatError, UsageError } from '../cli-errors.js';
import { imageTable } from '../printers/simple-tables.js';

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
  usage: 'image (import FILE|DIR NAME[:TAG] [--change INSTR...] | load -i PATH | ls | rm REF...)',
  summary: 'Manage local images: import a rootfs, load an archive, list, remove',
  details: [
    'Examples:',
    "  peapod image import ./rootfs busybox:local --change 'ENV PATH=/bin' --change 'CMD [\"sh\"]'",
    '  peapod image load -i busybox.tar',
    '  peapod image ls',
    '  peapod image rm busybox:local',
  ].join('\n'),
  flags: [
    { name: 'change', short: 'c', type: 'string', multiple: true, value: 'INSTR', help: 'import: a Dockerfile instruction to apply (repeatable)' },
    { name: 'input', short: 'i', type: 'string', value: 'PATH', help: 'load: the archive to read' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const [sub, ...args] = ctx.args.positionals;
    switch (sub) {
      case 'import':
        return importImage(ctx, args);
      case 'load':
        return loadImages(ctx, args);
      case 'ls':
      case 'list':
        if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`);
        return listImages(ctx);
      case 'rm':
      case 'remove':
        return removeImages(ctx, args);
      case undefined:
        throw new UsageError('image needs a subcommand: import, load, ls or rm');
      default:
        throw new UsageError(`unknown image subcommand "${sub}"`);
    }
  },
};
