/**
 * @module Entry point of the `peapod` command: the only place the CLI exits the process. `serve`
 * and `reset` never get here: bin/peapod execs the daemon's own entry (daemon/entry.ts) for them,
 * so the CLI does not import the daemon (DESIGN.md §4) and the daemon is the process that gets
 * the signals.
 */
import { runCli } from './run-cli.js';

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
  {},
);
// Let stdout drain before exiting (large `get -o yaml` through a pipe).
if (process.stdout.writableNeedDrain) await new Promise((resolve) => process.stdout.once('drain', resolve));
process.exit(code);
