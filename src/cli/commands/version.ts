/** @module `peapod version`: this client's version (package.json) and the server's /version. */
import { readFileSync } from 'node:fs';
import type { CliContext, Command } from '../cli-context.js';

/** Same relative path from src/cli/commands and dist/cli/commands. */
export function clientVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return `v${pkg.version ?? '0.0.0'}`;
}

export const versionCommand: Command = {
  usage: 'version [--client] [-o json]',
  summary: 'Print the client and server versions',
  flags: [
    { name: 'client', type: 'boolean', help: 'client version only (no daemon needed)' },
    { name: 'output', short: 'o', type: 'string', value: 'json', help: 'json for machine-readable output' },
  ],
  async run(ctx: CliContext): Promise<number> {
    const client = clientVersion();
    if (ctx.args.flags.output !== 'json') ctx.out(`Client Version: ${client}\n`);
    const server = ctx.args.flags.client ? undefined : await ctx.client().getVersion();
    if (ctx.args.flags.output === 'json') {
      ctx.out(`${JSON.stringify({ clientVersion: { gitVersion: client }, ...(server ? { serverVersion: server } : {}) }, null, 2)}\n`);
      return 0;
    }
    if (server) ctx.out(`Server Version: ${server.gitVersion ?? `v${server.major}.${server.minor}`}\n`);
    return 0;
  },
};
