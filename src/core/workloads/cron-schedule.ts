/**
 * @module CronJob schedules as upstream reads them (robfig/cron's ParseStandard): five fields
 * (minute hour day-of-month month day-of-week) or a descriptor (@yearly, @annually, @monthly,
 * @weekly, @daily, @midnight, @hourly), day-of-month and day-of-week OR-ed as Vixie cron does,
 * evaluated in `spec.timeZone` (the host's zone when unset, as kube-controller-manager's). The
 * arithmetic is croner's; the syntax checks and the missed-schedule rules are upstream's.
 */
import { Cron } from 'croner';

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD = /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;

/** The five-field form of a schedule, or an error message as robfig/cron words it. */
function standardForm(schedule: string): { fields: string } | { error: string } {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    const d = DESCRIPTORS[s];
    return d ? { fields: d } : { error: `unrecognized descriptor: ${s}` };
  }
  const fields = s.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return { error: `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]` };
  for (const f of fields) if (!FIELD.test(f) || /[LW#]/.test(f.replace(/[A-Za-z]{3}/g, ''))) return { error: `failed to parse int from ${f}: strconv.Atoi: parsing ${JSON.stringify(f)}: invalid syntax` };
  return { fields: fields.join(' ') };
}

function compile(schedule: string, timeZone: string | undefined): Cron {
  const form = standardForm(schedule);
  if ('error' in form) throw new Error(form.error);
  return new Cron(form.fields, { ...(timeZone ? { timezone: timeZone } : {}), paused: true });
}

/** Why a schedule is refused (upstream's spec.schedule message), or undefined. */
export function cronScheduleError(schedule: string): string | undefined {
  if (schedule.includes('TZ')) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  try {
    const c = compile(schedule, undefined);
    if (!c.nextRun(new Date(0))) return 'the schedule never fires';
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Why a time zone is refused (upstream: unknown time zone X), or undefined. */
export function timeZoneError(timeZone: string): string | undefined {
  if (timeZone === '' || /\s/.test(timeZone)) return `unknown time zone ${timeZone}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return `unknown time zone ${timeZone}`;
  }
}

export class CronSchedule {
  private readonly cron: Cron;

  /** Throws with the parse error (validation refuses such schedules first). */
  constructor(schedule: string, timeZone?: string) {
    this.cron = compile(schedule, timeZone);
  }

  /** The first time strictly after `after` (epoch ms), undefined when it never fires again. */
  next(after: number): number | undefined {
    // croner rounds up to the next whole second of `after` and returns times at or after it.
    const t = this.cron.nextRun(new Date(after));
    return t ? t.getTime() : undefined;
  }
}

export type MissedSchedules = 'none' | 'few' | 'many';

export interface MostRecentSchedule {
  /** The latest scheduled time not after `now`, if one is due since `earliest`. */
  scheduled?: number;
  missed: MissedSchedules;
  /** When to look again: the next scheduled time after now. */
  next?: number;
}

/**
 * upstream mostRecentScheduleTime: the times after `earliest` (the last schedule, or the
 * CronJob's creation, or now − startingDeadlineSeconds when later) and up to `now`; only the
 * latest one matters (at most one catch-up run), and more than 100 of them is `many`.
 */
export function mostRecentScheduleTime(schedule: CronSchedule, earliest: number, now: number): MostRecentSchedule {
  const t1 = schedule.next(earliest);
  if (t1 === undefined || t1 > now) return { missed: 'none', ...(t1 !== undefined ? { next: t1 } : {}) };
  let count = 1;
  let latest = t1;
  for (;;) {
    const t = schedule.next(latest);
    if (t === undefined || t > now) return { scheduled: latest, missed: count > 100 ? 'many' : count > 1 ? 'few' : 'none', ...(t !== undefined ? { next: t } : {}) };
    latest = t;
    count++;
    if (count > 101) {
      // Decades of missed minutes must not eat the CPU: estimate with the interval, then step.
      const step = t - t1 > 0 ? (t - t1) / (count - 1) : 60_000;
      let guess = latest + Math.max(0, Math.floor((now - latest) / step) - 1) * step;
      guess = Math.max(latest, guess - step);
      let g = schedule.next(guess);
      let prev = latest;
      while (g !== undefined && g <= now) {
        prev = g;
        g = schedule.next(g);
      }
      return { scheduled: prev, missed: 'many', ...(g !== undefined ? { next: g } : {}) };
    }
  }
}
