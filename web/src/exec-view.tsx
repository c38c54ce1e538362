/**
 * @module A terminal in the page: xterm.js (loaded on first use) over the API's exec WebSocket,
 * channel.k8s.io v5 (0 stdin, 1 stdout, 2 stderr, 3 the closing Status, 4 resize), the same
 * subresource kubectl exec uses. The session cookie and the page's Origin authenticate it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Pod } from '../../src/core/types';
import { enc } from './api';

export function ExecView({ pod }: { pod: Pod }) {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const [container, setContainer] = useState(names[0] ?? '');
  const [command, setCommand] = useState('sh');
  const [session, setSession] = useState(0);
  const [state, setState] = useState<string>('');
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (session === 0 || !host.current) return undefined;
    let disposed = false;
    let ws: WebSocket | undefined;
    let cleanup: (() => void) | undefined;
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      if (disposed || !host.current) return;
      host.current.textContent = '';
      const term = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 13, scrollback: 5000 });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(host.current);
      fit.fit();
      const args = command.trim().split(/\s+/).filter(Boolean).map((a) => `&command=${enc(a)}`).join('');
      const url = `wss://${location.host}/api/v1/namespaces/${enc(pod.metadata?.namespace ?? '')}/pods/${enc(pod.metadata?.name ?? '')}/exec?container=${enc(container)}${args}&stdin=true&stdout=true&tty=true`;
      ws = new WebSocket(url, ['v5.channel.k8s.io']);
      ws.binaryType = 'arraybuffer';
      const encoder = new TextEncoder();
      const sendFrame = (channel: number, data: Uint8Array): void => {
        if (ws?.readyState !== WebSocket.OPEN) return;
        const frame = new Uint8Array(data.length + 1);
        frame[0] = channel;
        frame.set(data, 1);
        ws.send(frame);
      };
      const resize = (): void => sendFrame(4, encoder.encode(JSON.stringify({ Width: term.cols, Height: term.rows })));
      setState('connecting');
      ws.onopen = () => {
        setState('connected');
        resize();
        term.focus();
      };
      ws.onmessage = (ev) => {
        const buf = new Uint8Array(ev.data as ArrayBuffer);
        if (buf.length === 0) return;
        if (buf[0] === 1 || buf[0] === 2) term.write(buf.subarray(1));
        else if (buf[0] === 3) {
          try {
            const st = JSON.parse(new TextDecoder().decode(buf.subarray(1))) as { status?: string; message?: string };
            if (st.status !== 'Success') term.write(`\r\n\x1b[31m${st.message ?? 'the command failed'}\x1b[0m\r\n`);
          } catch {
            /* not a Status */
          }
        }
      };
      ws.onclose = (ev) => {
        setState(ev.code === 1000 ? 'ended' : `closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`);
        term.write('\r\n\x1b[2m[session ended]\x1b[0m\r\n');
      };
      ws.onerror = () => setState('could not connect (is the container running?)');
      const data = term.onData((d) => sendFrame(0, encoder.encode(d)));
      const sized = term.onResize(() => resize());
      const onWindow = (): void => fit.fit();
      window.addEventListener('resize', onWindow);
      cleanup = () => {
        data.dispose();
        sized.dispose();
        window.removeEventListener('resize', onWindow);
        term.dispose();
      };
    })().catch((err: unknown) => setState(`the terminal failed to load: ${(err as Error).message}`));
    return () => {
      disposed = true;
      ws?.close();
      cleanup?.();
    };
  }, [session]);

  return (
    <div class="exec">
      <div class="toolbar">
        <label>
          Container{' '}
          <select value={container} onChange={(e) => setContainer((e.currentTarget as HTMLSelectElement).value)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          Command <input value={command} onInput={(e) => setCommand((e.currentTarget as HTMLInputElement).value)} data-testid="exec-command" />
        </label>
        <button onClick={() => setSession((n) => n + 1)} data-testid="exec-connect">
          {session ? 'Reconnect' : 'Connect'}
        </button>
        <span class="dim" data-testid="exec-state">
          {state}
        </span>
      </div>
      <div class="term" ref={host} data-testid="terminal">
        {session === 0 ? <p class="dim">Connect to run the command in the container, with a terminal.</p> : null}
      </div>
    </div>
  );
}
