/**
 * @module Entry point for the daemon-side commands (`peapod serve`, `peapod reset`, `peapod service`). bin/peapod
 * execs node on this file for them, so the CLI never imports the daemon and the daemon runs as
 * the one process that receives signals.
 */
import { runDaemon } from './main.js';
import { runReset } from './reset.js';
import { runService } from './service.js';

const [command, ...rest] = process.argv.slice(2);
const run = command === 'serve' ? runDaemon : command === 'reset' ? runReset : command === 'service' ? runService : undefined;
if (!run) {
  process.stderr.write(`peapod: unknown daemon command "${command ?? ''}" (want serve, reset or service)\n`);
  process.exit(2);
}
run(rest).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`peapod ${command}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
