/**
 * @module Turning runc/crun/conmon output into one readable message. runc writes logrus text
 * (`time="…" level=error msg="…"`) mixed with warnings about cgroup files (freezer.state,
 * devices lstat) that say nothing about why a create failed (runtime-pipeline.md §4).
 */

/** Undoes Go's %q quoting as logrus writes it. */
function unquoteGo(s: string): string {
  return s.replace(/\\(["\\nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

function logrusField(line: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${key}=("((?:[^"\\\\]|\\\\.)*)"|\\S+)`).exec(line);
  if (!m) return undefined;
  return m[2] !== undefined ? unquoteGo(m[2]) : m[1];
}

/**
 * The error lines of a runtime's output (their `msg` when logrus-formatted); when there are none,
 * every line that is not a warning/info/debug record.
 */
export function runtimeErrorText(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors: string[] = [];
  const plain: string[] = [];
  for (const line of lines) {
    const level = logrusField(line, 'level');
    if (level === undefined) {
      plain.push(line);
      continue;
    }
    if (level === 'error' || level === 'fatal') errors.push(logrusField(line, 'msg') ?? line);
  }
  const picked = errors.length > 0 ? errors : plain;
  return dedupe(picked).join('; ') || output.trim();
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** runc create failures say "runc create failed: …" only once we strip conmon's own prefix noise. */
export function conmonFailureText(message: string | undefined, runtimeName: string): string {
  if (!message || message.trim() === '') return `conmon exited without reporting the ${runtimeName} create result`;
  return runtimeErrorText(message);
}

/** Messages meaning "there is nothing left to signal/delete": not a failure for idempotent calls. */
export function isGoneMessage(text: string): boolean {
  return /does not exist|not running|container not found|no such process|process already finished|not found/i.test(text);
}
