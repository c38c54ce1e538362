/**
 * @module `peapod kubeconfig`: prints the admin kubeconfig the daemon wrote for its HTTPS API, for
 * `peapod kubeconfig > ~/.kube/config` or `KUBECONFIG=<(peapod kubeconfig) kubectl ...`.
 */
import { readFileSync } from 'node:fs';
import type { CliContext, Command } from '../cli-context.js';

const DEFAULT_DATA_DIR = '/var/lib/peapod';

export const kubeconfigCommand: Command = {
  usage: 'kubeconfig [--data-dir DIR]',
  summary: 'Print the admin kubeconfig for kubectl and other Kubernetes clients',
  details: 'The daemon writes it on start to <data-dir>/admin.kubeconfig; it holds the admin token (root only).',
  flags: [{ name: 'data-dir', type: 'string', value: 'DIR', help: `the daemon's --data-dir (default $PEAPOD_DATA_DIR or ${DEFAULT_DATA_DIR})` }],
  async run(ctx: CliContext): Promise<number> {
    const dataDir = (ctx.args.flags['data-dir'] as string | undefined) || ctx.io.env.PEAPOD_DATA_DIR || DEFAULT_DATA_DIR;
    const path = `${dataDir}/admin.kubeconfig`;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found: is the daemon running with its HTTPS API (--listen)?' : code === 'EACCES' ? 'permission denied (it is readable by root only)' : String(err);
      ctx.err(`error: ${path}: ${why}\n`);
      return 1;
    }
    ctx.out(text);
    return 0;
  },
};
