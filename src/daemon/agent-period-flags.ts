/** @module `peapod serve` flags for the node agent's safety nets: the periodic resync and relist. */
import { UsageError } from './config.js';
import { parseDuration } from './image-gc-flags.js';

export const AGENT_PERIOD_FLAGS = {
  'sync-frequency': { type: 'string' },
  'relist-period': { type: 'string' },
} as const;

export interface AgentPeriods {
  resyncPeriodMs?: number;
  relistPeriodMs?: number;
}

export function agentPeriodsFromFlags(values: Record<string, string | boolean | undefined>): AgentPeriods {
  const out: AgentPeriods = {};
  const period = (flag: string): number | undefined => {
    const v = values[flag];
    if (v === undefined) return undefined;
    const ms = parseDuration(String(v), flag);
    if (ms < 1000) throw new UsageError(`--${flag} ${String(v)}: at least 1s`);
    return ms;
  };
  const resync = period('sync-frequency');
  const relist = period('relist-period');
  if (resync !== undefined) out.resyncPeriodMs = resync;
  if (relist !== undefined) out.relistPeriodMs = relist;
  return out;
}
