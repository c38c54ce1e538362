/** @module The daemon's logger: one line per record on stderr, `time level msg key=value...`. */
import type { Logger } from '../core/logger.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

export function createLogger(level: keyof typeof LEVELS, out: NodeJS.WritableStream = process.stderr): Logger {
  const min = LEVELS[level];
  const write = (lvl: keyof typeof LEVELS) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    const kv = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
          .join(' ')
      : '';
    out.write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}${kv ? ' ' + kv : ''}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
