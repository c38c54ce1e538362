/**
 * @module An object as YAML, editable: Apply sends the text as it is (application/yaml) with PUT
 * to the object's own path, so the server validates it as it validates kubectl's; a 422's causes
 * are shown at their fields (the line of each field path), any other refusal as its message.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { parseDocument, stringify, isNode } from 'yaml';
import { ApiError, getJson, request, type KubeObject, type StatusCause } from './api';

/** `spec.containers[0].image` → ['spec', 'containers', 0, 'image'] */
export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]+)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** The 1-based line of `field` in `text`, or of its nearest existing parent. */
export function lineOfField(text: string, field: string): number | undefined {
  let doc;
  try {
    doc = parseDocument(text);
  } catch {
    return undefined;
  }
  const path = fieldPath(field);
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return text.slice(0, node.range[0]).split('\n').length;
  }
  return undefined;
}

interface Problem {
  line?: number;
  field?: string;
  message: string;
}

export function YamlView({ path, onApplied }: { path: string; onApplied?: () => void }) {
  const [text, setText] = useState('');
  const [loaded, setLoaded] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [note, setNote] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);

  const load = async (): Promise<void> => {
    try {
      const obj = await getJson<KubeObject>(path);
      if (obj.metadata) delete obj.metadata.managedFields;
      setText(stringify(obj, { lineWidth: 0 }));
      setLoaded(true);
      setProblems([]);
    } catch (err) {
      setProblems([{ message: (err as Error).message }]);
    }
  };
  useEffect(() => {
    setLoaded(false);
    void load();
  }, [path]);

  const apply = async (): Promise<void> => {
    setBusy(true);
    setNote(undefined);
    setProblems([]);
    try {
      await request('PUT', path, text, 'application/yaml');
      setNote('Applied.');
      await load();
      onApplied?.();
    } catch (err) {
      const e = err as ApiError;
      const causes: StatusCause[] = e instanceof ApiError ? (e.status.details?.causes ?? []) : [];
      const list: Problem[] = causes.length
        ? causes.map((c) => ({ field: c.field, line: c.field ? lineOfField(text, c.field) : undefined, message: c.message ?? c.reason ?? 'invalid' }))
        : [{ message: e.message }];
      setProblems(list);
    } finally {
      setBusy(false);
    }
  };

  const goTo = (line: number | undefined): void => {
    const el = area.current;
    if (!el || !line) return;
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    el.scrollTop = Math.max(0, (line - 5) * 18);
  };

  const lineCount = text.split('\n').length;
  return (
    <div class="yaml">
      <div class="toolbar">
        <button onClick={() => void apply()} disabled={!loaded || busy} data-testid="yaml-apply">
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button class="secondary" onClick={() => void load()} disabled={busy}>
          Reload
        </button>
        <span class="dim">{lineCount} lines</span>
        {note ? <span class="ok">{note}</span> : null}
      </div>
      {problems.length ? (
        <ul class="problems" role="alert" data-testid="yaml-problems">
          {problems.map((p, i) => (
            <li key={i}>
              {p.line ? (
                <button class="link" onClick={() => goTo(p.line)}>
                  line {p.line}
                </button>
              ) : null}{' '}
              {p.field ? <code>{p.field}</code> : null} {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      <textarea ref={area} spellcheck={false} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} data-testid="yaml-text" />
    </div>
  );
}
