/**
 * @module Entry point of the `peapod` command: the only place the CLI exits the process. `serve`
 * and `reset` are handed to the daemon module, imported lazily so every other command starts
 * without loading the daemon and its native modules.
 */
import { runCli } from './run-cli.js';

async function runDaemonCommand(name: 'serve' | 'reset', argv: string[]): Promise<number> {
  if (name === 'serve') {
    const { runDaemon } = await import('../daemon/main.js');
    return runDaemon(argv);
  }
  const { runReset } = await import('../daemon/reset.js');
  return runReset(argv);
}

const code = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
  },
  { runDaemonCommand },
);
// Let stdout drain before exiting (large `get -o yaml` through a pipe).
if (process.stdout.writableNeedDrain) await new Promise((resolve) => process.stdout.once('drain', resolve));
process.exit(code);
