import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Probe } from 'kubernetes-types/core/v1.js';
import type { HttpProbeRequest, NetworkProber, NetworkProbeResult } from '../core/ports.js';
import { silentLogger } from '../core/logger.js';
import type { Container } from '../core/types.js';
import { FakeClock } from '../testing/fake-clock.js';
import { makePod } from '../testing/pod-builder.js';
import type { ProbeExecResult } from './probe-handlers.js';
import { probeHeaders, resolveProbePort } from './probe-handlers.js';
import { ProberManager } from './prober.js';
import type { ProbeTarget } from './prober-types.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

interface ExecCall {
  at: number;
  containerId: string;
  argv: string[];
  timeoutMs: number;
}

function setup(opts: { exec?: (call: ExecCall) => ProbeExecResult | Promise<ProbeExecResult>; net?: Partial<NetworkProber> } = {}) {
  const clock = new FakeClock();
  const execCalls: ExecCall[] = [];
  const httpCalls: HttpProbeRequest[] = [];
  const changes: string[] = [];
  const network: NetworkProber = {
    httpGet: async (req) => {
      httpCalls.push(req);
      return opts.net?.httpGet ? opts.net.httpGet(req) : { result: 'success', message: '' };
    },
    tcp: opts.net?.tcp ?? (async () => ({ result: 'success', message: '' })),
    grpc: opts.net?.grpc ?? (async () => ({ result: 'success', message: '' })),
  };
  const prober = new ProberManager({
    clock,
    logger: silentLogger,
    network,
    random: () => 0.5,
    exec: async (containerId, argv, timeoutMs) => {
      const call = { at: clock.now(), containerId, argv, timeoutMs };
      execCalls.push(call);
      return opts.exec ? opts.exec(call) : { exitCode: 0, output: '' };
    },
  });
  prober.onChange((uid) => changes.push(uid));
  const t0 = clock.now();
  /** Moves time in small steps, letting the probes' promises settle in between. */
  const advance = async (ms: number, stepMs = 100) => {
    for (let done = 0; done < ms; done += stepMs) {
      clock.advance(Math.min(stepMs, ms - done));
      await flush();
    }
  };
  const target = (container: Partial<Container>, containerId = 'c1', podIP: string | undefined = '10.91.0.5'): ProbeTarget => {
    const c = { name: 'app', image: 'busybox', ...container } as Container;
    return { pod: makePod({ containers: [c] }), container: c, containerId, startedAt: clock.now(), podIP };
  };
  const since = (at: number) => at - t0;
  /** Fires what is due now (first ticks are timers of 0 ms) and lets the probes settle. */
  const settle = async () => {
    clock.advance(0);
    await flush();
    await flush();
  };
  return { clock, prober, execCalls, httpCalls, changes, advance, target, since, t0, settle };
}

const execProbe = (cmd: string[], extra: Partial<Probe> = {}): Probe => ({ exec: { command: cmd }, ...extra });

describe('ProberManager: readiness', () => {
  test('not ready at first, probed at once, ready after one success; onChange fires', async () => {
    const h = setup();
    h.prober.track(h.target({ readinessProbe: execProbe(['test', '-f', '/tmp/r']) }));
    assert.equal(h.prober.isReady('c1'), false);
    await h.settle();
    assert.equal(h.execCalls.length, 1);
    assert.deepEqual(h.execCalls[0]!.argv, ['test', '-f', '/tmp/r']);
    assert.equal(h.execCalls[0]!.timeoutMs, 1000);
    assert.equal(h.prober.isReady('c1'), true);
    assert.deepEqual(h.changes, ['uid-1']);
  });

  test('failureThreshold failures make it unready, each failure an Unhealthy event, never a kill', async () => {
    let ok = true;
    const h = setup({ exec: () => (ok ? { exitCode: 0, output: '' } : { exitCode: 1, output: 'nope\n' }) });
    h.prober.track(h.target({ readinessProbe: execProbe(['check'], { periodSeconds: 1, failureThreshold: 3 }) }));
    await h.settle();
    assert.equal(h.prober.isReady('c1'), true);
    ok = false;
    await h.advance(2000);
    assert.equal(h.prober.isReady('c1'), true, 'two failures are below the threshold');
    await h.advance(1000);
    assert.equal(h.prober.isReady('c1'), false);
    const events = h.prober.takeEvents('uid-1');
    assert.equal(events.length, 3);
    assert.deepEqual(events[0], { podUid: 'uid-1', containerName: 'app', type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: nope\n' });
    assert.deepEqual(h.prober.takeEvents('uid-1'), [], 'taken once');
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
    ok = true;
    await h.advance(1000);
    assert.equal(h.prober.isReady('c1'), true, 'keeps probing after failures');
  });

  test('a probe slower than its period: the missed tick runs right after it, never two at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const h = setup();
    const slow = setup({
      exec: () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise((resolve) =>
          h.clock.setTimeout(() => {
            inFlight--;
            resolve({ exitCode: 0, output: '' });
          }, 1500),
        );
      },
    });
    // The exec resolves on h's clock; drive both clocks together.
    slow.prober.track(slow.target({ readinessProbe: execProbe(['x'], { periodSeconds: 1, timeoutSeconds: 5 }) }));
    for (let i = 0; i < 40; i++) {
      slow.clock.advance(100);
      h.clock.advance(100);
      await flush();
    }
    assert.equal(maxInFlight, 1);
    assert.ok(slow.execCalls.length >= 2 && slow.execCalls.length <= 3, `${slow.execCalls.length} runs in 4 s`);
  });
});

describe('ProberManager: liveness and startup', () => {
  test('liveness: failureThreshold failures queue one ProbeFailure with the probe grace, then probing stops', async () => {
    const h = setup({ exec: () => ({ exitCode: 1, output: 'gone' }) });
    h.prober.track(h.target({ livenessProbe: execProbe(['test', '-f', '/tmp/h'], { periodSeconds: 5, failureThreshold: 3, terminationGracePeriodSeconds: 2 }) }));
    await h.advance(9_900);
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
    await h.advance(200);
    assert.deepEqual(h.execCalls.map((c) => h.since(c.at)), [0, 5000, 10_000]);
    assert.deepEqual(h.prober.takeFailures('uid-1'), [{ podUid: 'uid-1', containerName: 'app', containerId: 'c1', kind: 'liveness', terminationGracePeriodSeconds: 2 }]);
    assert.deepEqual(h.prober.takeEvents('uid-1').map((e) => e.message), Array(3).fill('Liveness probe failed: gone'));
    assert.ok(h.changes.length >= 1);
    await h.advance(30_000);
    assert.equal(h.execCalls.length, 3, 'on hold until a new container instance');
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
    assert.equal(h.prober.workerCount, 0);
  });

  test('liveness without probe grace: the failure carries none; a success in between resets the count', async () => {
    const outs = [1, 1, 0, 1, 1, 1];
    const h = setup({ exec: () => ({ exitCode: outs.shift() ?? 1, output: '' }) });
    h.prober.track(h.target({ livenessProbe: execProbe(['x'], { periodSeconds: 1 }) }));
    await h.advance(4_500);
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
    await h.advance(1000);
    assert.deepEqual(h.prober.takeFailures('uid-1'), [{ podUid: 'uid-1', containerName: 'app', containerId: 'c1', kind: 'liveness' }]);
  });

  test('startup gates liveness and readiness; its failure threshold kills (scenario 22)', async () => {
    const h = setup({ exec: (c) => ({ exitCode: c.argv[0] === 'startup' ? 1 : 0, output: '' }) });
    h.prober.track(
      h.target({
        startupProbe: execProbe(['startup'], { periodSeconds: 2, failureThreshold: 3, terminationGracePeriodSeconds: 1 }),
        livenessProbe: execProbe(['liveness'], { periodSeconds: 1 }),
        readinessProbe: execProbe(['readiness'], { periodSeconds: 1 }),
      }),
    );
    assert.equal(h.prober.isStarted('c1'), false);
    await h.advance(4_050);
    assert.deepEqual(h.execCalls.map((c) => c.argv[0]), ['startup', 'startup', 'startup']);
    assert.deepEqual(h.prober.takeFailures('uid-1'), [{ podUid: 'uid-1', containerName: 'app', containerId: 'c1', kind: 'startup', terminationGracePeriodSeconds: 1 }]);
    assert.equal(h.prober.isStarted('c1'), false);
    assert.equal(h.prober.isReady('c1'), false);
    await h.advance(10_000);
    assert.ok(h.execCalls.length >= 3 && h.execCalls.every((c) => c.argv[0] === 'startup'), `liveness never ran: ${h.execCalls.map((c) => c.argv[0]).join()}`);
  });

  test('startup success: started, readiness fired at once, startup never runs again, liveness on its ticker', async () => {
    let startupOk = false;
    const h = setup({ exec: (c) => ({ exitCode: c.argv[0] === 'startup' && !startupOk ? 1 : 0, output: '' }) });
    h.prober.track(
      h.target({
        startupProbe: execProbe(['startup'], { periodSeconds: 3 }),
        livenessProbe: execProbe(['liveness'], { periodSeconds: 10 }),
        readinessProbe: execProbe(['readiness'], { periodSeconds: 10 }),
      }),
    );
    await h.settle();
    startupOk = true;
    await h.advance(3000);
    assert.equal(h.prober.isStarted('c1'), true);
    assert.equal(h.prober.isReady('c1'), true);
    const runs = h.execCalls.map((c) => [c.argv[0], h.since(c.at)]);
    assert.deepEqual(runs, [
      ['startup', 0],
      ['startup', 3000],
      ['readiness', 3000],
    ]);
    await h.advance(20_000);
    const later = h.execCalls.slice(3).map((c) => [c.argv[0], h.since(c.at)]);
    assert.deepEqual(later, [
      ['liveness', 10_000],
      ['readiness', 10_000],
      ['liveness', 20_000],
      ['readiness', 20_000],
    ]);
  });

  test('initialDelaySeconds: the first liveness run lands in [delay, delay + period]', async () => {
    const h = setup();
    h.prober.track(h.target({ livenessProbe: execProbe(['x'], { initialDelaySeconds: 15, periodSeconds: 10 }) }));
    await h.advance(30_000, 500);
    assert.equal(h.since(h.execCalls[0]!.at), 20_000);
    assert.ok(h.since(h.execCalls[0]!.at) >= 15_000 && h.since(h.execCalls[0]!.at) <= 25_000);
  });

  test('terminating: liveness and startup stop (startup counts as passed), readiness goes on', async () => {
    const h = setup({ exec: (c) => ({ exitCode: c.argv[0] === 'readiness' ? 0 : 1, output: '' }) });
    h.prober.track(
      h.target({
        startupProbe: execProbe(['startup'], { periodSeconds: 1, failureThreshold: 100 }),
        livenessProbe: execProbe(['liveness'], { periodSeconds: 1 }),
        readinessProbe: execProbe(['readiness'], { periodSeconds: 1 }),
      }),
    );
    await h.settle();
    h.prober.setTerminating('uid-1');
    await h.settle();
    assert.equal(h.prober.isStarted('c1'), true);
    const before = h.execCalls.length;
    await h.advance(5000);
    const after = h.execCalls.slice(before).map((c) => c.argv[0]);
    assert.ok(after.length >= 4 && after.every((a) => a === 'readiness'), after.join());
    assert.equal(h.prober.isReady('c1'), true);
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
  });
});

describe('ProberManager: instances and bookkeeping', () => {
  test('track is idempotent; a new container id starts fresh and drops the old instance', async () => {
    const h = setup();
    const probe = execProbe(['x'], { periodSeconds: 1 });
    h.prober.track(h.target({ readinessProbe: probe }, 'c1'));
    h.prober.track(h.target({ readinessProbe: probe }, 'c1'));
    await h.settle();
    assert.equal(h.execCalls.length, 1);
    assert.equal(h.prober.workerCount, 1);
    assert.equal(h.prober.isReady('c1'), true);
    h.prober.track(h.target({ readinessProbe: probe }, 'c2'));
    assert.equal(h.prober.isReady('c2'), false, 'initial value for the new instance');
    assert.equal(h.prober.workerCount, 1);
    await h.advance(1000);
    const later = h.execCalls.slice(1);
    assert.ok(later.length > 0 && later.every((c) => c.containerId === 'c2'), later.map((c) => c.containerId).join());
  });

  test('untrack keeps the listed instances, removes the others; untrack all is idempotent', async () => {
    const h = setup();
    const a = h.target({ name: 'a', readinessProbe: execProbe(['x'], { periodSeconds: 1 }) } as Partial<Container>, 'ca');
    const b = h.target({ name: 'b', readinessProbe: execProbe(['x'], { periodSeconds: 1 }) } as Partial<Container>, 'cb');
    h.prober.track(a);
    h.prober.track(b);
    assert.equal(h.prober.workerCount, 2);
    h.prober.untrack('uid-1', new Set(['cb']));
    assert.equal(h.prober.workerCount, 1);
    await h.advance(2000);
    const later = h.execCalls.filter((c) => c.at > h.t0);
    assert.ok(later.length > 0 && later.every((c) => c.containerId === 'cb'), later.map((c) => c.containerId).join());
    h.prober.untrack('uid-1');
    h.prober.untrack('uid-1');
    assert.equal(h.prober.workerCount, 0);
    assert.equal(h.clock.pending, 0, 'no timers left');
  });

  test('a result arriving after untrack is dropped', async () => {
    let release!: (r: ProbeExecResult) => void;
    const h = setup({ exec: () => new Promise((r) => (release = r)) });
    h.prober.track(h.target({ livenessProbe: execProbe(['x'], { failureThreshold: 1 }) }));
    await h.settle();
    h.prober.untrack('uid-1');
    release({ exitCode: 1, output: '' });
    await h.settle();
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
    assert.deepEqual(h.prober.takeEvents('uid-1'), []);
  });

  test('no probes (or untracked id): started and ready at once', () => {
    const h = setup();
    h.prober.track(h.target({}));
    assert.equal(h.prober.isStarted('c1'), true);
    assert.equal(h.prober.isReady('c1'), true);
    assert.equal(h.prober.isReady('unknown'), true);
    assert.equal(h.clock.pending, 0);
  });

  test('stop ends every worker and timer', async () => {
    const h = setup();
    h.prober.track(h.target({ livenessProbe: execProbe(['x']), readinessProbe: execProbe(['y']) }));
    await h.settle();
    h.prober.stop();
    await h.advance(30_000, 1000);
    assert.equal(h.execCalls.length, 2, 'only the immediate first runs');
    assert.equal(h.clock.pending, 0);
  });
});

describe('ProberManager: handlers', () => {
  test('exec timeout: the port reports it → failure "command … timed out"', async () => {
    const h = setup({ exec: () => ({ exitCode: -1, output: '', timedOut: true }) });
    h.prober.track(h.target({ readinessProbe: execProbe(['sleep', '5'], { timeoutSeconds: 2 }) }));
    await h.settle();
    assert.equal(h.execCalls[0]!.timeoutMs, 2000);
    assert.deepEqual(h.prober.takeEvents('uid-1').map((e) => e.message), ['Readiness probe failed: command "sleep 5" timed out']);
  });

  test('exec rejecting with the runtime\'s timeout error is a failure too', async () => {
    const h = setup({ exec: () => Promise.reject(Object.assign(new Error('command timed out after 1000 ms'), { code: 'PEAPOD_EXEC_TIMEOUT' })) });
    h.prober.track(h.target({ livenessProbe: execProbe(['sleep', '9'], { failureThreshold: 1 }) }));
    await h.settle();
    assert.deepEqual(h.prober.takeEvents('uid-1').map((e) => e.message), ['Liveness probe failed: command "sleep 9" timed out']);
    assert.equal(h.prober.takeFailures('uid-1').length, 1);
  });

  test('exec that never answers: the manager guard fails it after the timeout', async () => {
    const h = setup({ exec: () => new Promise(() => {}) });
    h.prober.track(h.target({ readinessProbe: execProbe(['hang']) }));
    await h.advance(2100);
    assert.deepEqual(h.prober.takeEvents('uid-1').map((e) => e.message), ['Readiness probe failed: command "hang" timed out']);
  });

  test('exec that cannot run: "probe errored" event, result thrown away', async () => {
    const h = setup({ exec: () => Promise.reject(new Error('container not running')) });
    h.prober.track(h.target({ livenessProbe: execProbe(['x'], { failureThreshold: 1 }) }));
    await h.settle();
    assert.deepEqual(h.prober.takeEvents('uid-1').map((e) => e.message), ['Liveness probe errored: container not running']);
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
  });

  test('httpGet: pod IP, named port, path, default headers; a warning is ready plus ProbeWarning', async () => {
    const h = setup({ net: { httpGet: async () => ({ result: 'warning', message: 'Probe terminated redirects' }) } });
    h.prober.track(
      h.target({
        ports: [{ name: 'web', containerPort: 8080 }],
        readinessProbe: { httpGet: { port: 'web', path: 'healthz', httpHeaders: [{ name: 'X-A', value: '1' }] } },
      }),
    );
    await h.settle();
    assert.deepEqual(h.httpCalls, [
      { scheme: 'HTTP', host: '10.91.0.5', port: 8080, path: '/healthz', headers: [['User-Agent', 'kube-probe/1.32'], ['Accept', '*/*'], ['X-A', '1']], timeoutMs: 1000 },
    ]);
    assert.equal(h.prober.isReady('c1'), true);
    assert.deepEqual(h.prober.takeEvents('uid-1'), [{ podUid: 'uid-1', containerName: 'app', type: 'Warning', reason: 'ProbeWarning', message: 'Readiness probe warning: Probe terminated redirects' }]);
  });

  test('httpGet failure message; an unknown named port is an error, not a failure', async () => {
    const h = setup({ net: { httpGet: async () => ({ result: 'failure', message: 'HTTP probe failed with statuscode: 404' }) } });
    h.prober.track(h.target({ readinessProbe: { httpGet: { port: 8080, host: '127.0.0.1', scheme: 'HTTPS' } } }, 'c1'));
    h.prober.track(h.target({ name: 'b', livenessProbe: { httpGet: { port: 'nope' }, failureThreshold: 1 } } as Partial<Container>, 'c2'));
    await h.settle();
    assert.equal(h.httpCalls[0]!.host, '127.0.0.1');
    assert.equal(h.httpCalls[0]!.scheme, 'HTTPS');
    const msgs = h.prober.takeEvents('uid-1').map((e) => e.message).sort();
    assert.deepEqual(msgs, ['Liveness probe errored: couldn\'t find port: nope in container b', 'Readiness probe failed: HTTP probe failed with statuscode: 404']);
    assert.deepEqual(h.prober.takeFailures('uid-1'), []);
  });

  test('tcpSocket and grpc go to the pod IP; no pod IP is an error', async () => {
    const tcp: unknown[] = [];
    const grpc: unknown[] = [];
    const ok: NetworkProbeResult = { result: 'success', message: '' };
    const h = setup({ net: { tcp: async (r) => (tcp.push(r), ok), grpc: async (r) => (grpc.push(r), ok) } });
    h.prober.track(h.target({ name: 'a', readinessProbe: { tcpSocket: { port: '5000' } } } as Partial<Container>, 'ca'));
    h.prober.track(h.target({ name: 'b', readinessProbe: { grpc: { port: 9000, service: 'svc' }, timeoutSeconds: 3 } } as Partial<Container>, 'cb'));
    h.prober.track(h.target({ name: 'c', readinessProbe: { tcpSocket: { port: 1 } } } as Partial<Container>, 'cc', ''));
    await h.settle();
    assert.deepEqual(tcp, [{ host: '10.91.0.5', port: 5000, timeoutMs: 1000 }]);
    assert.deepEqual(grpc, [{ host: '10.91.0.5', port: 9000, service: 'svc', timeoutMs: 3000 }]);
    assert.equal(h.prober.isReady('ca'), true);
    assert.equal(h.prober.isReady('cb'), true);
    assert.equal(h.prober.isReady('cc'), false);
    assert.deepEqual(h.prober.takeEvents('uid-1').map((e) => e.message), ['Readiness probe errored: the pod has no IP yet']);
  });
});

describe('probe handler helpers', () => {
  test('probeHeaders: overrides are case-insensitive, an empty value removes, repeats kept', () => {
    assert.deepEqual(probeHeaders([{ name: 'user-agent', value: 'me' }, { name: 'Accept', value: '' }, { name: 'X', value: 'a' }, { name: 'X', value: 'b' }]), [
      ['user-agent', 'me'],
      ['X', 'a'],
      ['X', 'b'],
    ]);
  });
  test('resolveProbePort: numbers, names, numeric strings; out of range rejected', () => {
    const c = { name: 'c', ports: [{ name: 'http', containerPort: 80 }] } as Container;
    assert.equal(resolveProbePort(c, 8080), 8080);
    assert.equal(resolveProbePort(c, 'http'), 80);
    assert.equal(resolveProbePort(c, '81'), 81);
    assert.throws(() => resolveProbePort(c, 'grpc'), /couldn't find port: grpc/);
    assert.throws(() => resolveProbePort(c, 70000), /invalid port/);
  });
});
