import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyOutcome,
  assumeSuccess,
  firstTickDelay,
  initialProbeState,
  nextStep,
  nextTickDelay,
  probeTiming,
  type ProbeKind,
  type ProbeOutcome,
  type ProbeState,
} from './probe-state.js';

const T0 = 1_000_000;
const state = (kind: ProbeKind, probe: Parameters<typeof probeTiming>[1] = {}) => initialProbeState(kind, probeTiming(kind, probe), T0);
const feed = (s: ProbeState, outcomes: ProbeOutcome[]) => {
  const log: { result: string; changed: boolean; kill: boolean }[] = [];
  for (const o of outcomes) {
    const t = applyOutcome(s, o);
    s = t.state;
    log.push({ result: s.result, changed: t.changed, kill: t.kill });
  }
  return { s, log };
};

describe('probeTiming', () => {
  test('defaults: delay 0, period 10 s, timeout 1 s, thresholds 1 and 3', () => {
    assert.deepEqual(probeTiming('readiness', {}), { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
  });
  test('given values in ms; minimums enforced', () => {
    const t = probeTiming('readiness', { initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 4 });
    assert.deepEqual(t, { initialDelayMs: 5000, periodMs: 2000, timeoutMs: 3000, successThreshold: 2, failureThreshold: 4 });
    assert.equal(probeTiming('readiness', { periodSeconds: -3, initialDelaySeconds: -1 }).periodMs, 1000);
    assert.equal(probeTiming('readiness', { initialDelaySeconds: -1 }).initialDelayMs, 0);
  });
  test('liveness and startup: successThreshold is always 1, probe grace kept', () => {
    assert.equal(probeTiming('liveness', { successThreshold: 3 }).successThreshold, 1);
    assert.equal(probeTiming('startup', { successThreshold: 3, terminationGracePeriodSeconds: 2 }).terminationGracePeriodSeconds, 2);
    assert.equal(probeTiming('readiness', { terminationGracePeriodSeconds: 2 }).terminationGracePeriodSeconds, undefined);
    assert.equal(probeTiming('liveness', { terminationGracePeriodSeconds: 0 }).terminationGracePeriodSeconds, 0);
  });
});

describe('initial results', () => {
  test('readiness Failure, liveness Success, startup Unknown', () => {
    assert.equal(state('readiness').result, 'failure');
    assert.equal(state('liveness').result, 'success');
    assert.equal(state('startup').result, 'unknown');
  });
});

describe('nextStep', () => {
  const ctx = (now: number, started = true, terminating = false) => ({ now, started, terminating });
  test('ticks inside the initial delay are skipped; the delay counts from the container start', () => {
    const s = state('readiness', { initialDelaySeconds: 5 });
    assert.deepEqual(nextStep(s, ctx(T0)), { do: 'skip', reason: 'initial-delay', stop: false });
    assert.deepEqual(nextStep(s, ctx(T0 + 4999)), { do: 'skip', reason: 'initial-delay', stop: false });
    assert.deepEqual(nextStep(s, ctx(T0 + 5000)), { do: 'probe' });
  });
  test('liveness and readiness wait until started', () => {
    for (const kind of ['liveness', 'readiness'] as const) {
      assert.deepEqual(nextStep(state(kind), ctx(T0, false)), { do: 'skip', reason: 'not-started', stop: false });
      assert.deepEqual(nextStep(state(kind), ctx(T0, true)), { do: 'probe' });
    }
  });
  test('startup probes until its first success, then stops for good', () => {
    let s = state('startup');
    assert.deepEqual(nextStep(s, ctx(T0, false)), { do: 'probe' });
    s = applyOutcome(s, 'success').state;
    assert.deepEqual(nextStep(s, ctx(T0 + 10_000, false)), { do: 'skip', reason: 'startup-done', stop: true });
    assert.deepEqual(nextStep(state('startup'), ctx(T0, true)), { do: 'skip', reason: 'startup-done', stop: true });
  });
  test('terminating pod: liveness and startup assume success, readiness goes on', () => {
    assert.deepEqual(nextStep(state('liveness'), ctx(T0, true, true)), { do: 'assume-success' });
    assert.deepEqual(nextStep(state('startup'), ctx(T0, false, true)), { do: 'assume-success' });
    assert.deepEqual(nextStep(state('readiness'), ctx(T0, true, true)), { do: 'probe' });
  });
  test('on hold after a kill: nothing more, even when terminating', () => {
    const { s } = feed(state('liveness', { failureThreshold: 1 }), ['failure']);
    assert.deepEqual(nextStep(s, ctx(T0, true)), { do: 'skip', reason: 'on-hold', stop: true });
    assert.deepEqual(nextStep(s, ctx(T0, true, true)), { do: 'skip', reason: 'on-hold', stop: true });
  });
});

describe('applyOutcome', () => {
  test('readiness: one success makes it ready; failures flip it back only at the threshold', () => {
    const { log } = feed(state('readiness'), ['success', 'failure', 'failure', 'failure', 'failure', 'success']);
    assert.deepEqual(log.map((l) => [l.result, l.changed, l.kill]), [
      ['success', true, false],
      ['success', false, false],
      ['success', false, false],
      ['failure', true, false],
      ['failure', false, false],
      ['success', true, false],
    ]);
  });
  test('readiness successThreshold 3 needs 3 in a row; a failure in between restarts the count', () => {
    const { log } = feed(state('readiness', { successThreshold: 3 }), ['success', 'success', 'failure', 'success', 'success', 'success']);
    assert.deepEqual(log.map((l) => l.result), ['failure', 'failure', 'failure', 'failure', 'failure', 'success']);
    assert.equal(log[5]!.changed, true);
  });
  test('readiness never asks for a kill', () => {
    const { log } = feed(state('readiness', { failureThreshold: 1 }), ['success', 'failure', 'failure']);
    assert.ok(log.every((l) => !l.kill));
  });
  test('warning counts as success', () => {
    const { s } = feed(state('readiness'), ['warning']);
    assert.equal(s.result, 'success');
  });
  test('liveness: failureThreshold failures in a row kill, then hold', () => {
    const { s, log } = feed(state('liveness'), ['failure', 'failure', 'success', 'failure', 'failure', 'failure', 'failure']);
    assert.deepEqual(log.map((l) => [l.result, l.kill]), [
      ['success', false],
      ['success', false],
      ['success', false],
      ['success', false],
      ['success', false],
      ['failure', true],
      ['failure', false], // on hold: ignored
    ]);
    assert.equal(s.onHold, true);
    assert.equal(s.run, 0);
  });
  test('startup: success flips started; failureThreshold failures kill', () => {
    assert.deepEqual(feed(state('startup'), ['failure', 'success']).log.map((l) => [l.result, l.changed]), [
      ['unknown', false],
      ['success', true],
    ]);
    const { log } = feed(state('startup', { failureThreshold: 3 }), ['failure', 'failure', 'failure']);
    assert.deepEqual(log.map((l) => [l.result, l.changed, l.kill]), [
      ['unknown', false, false],
      ['unknown', false, false],
      ['failure', true, true],
    ]);
  });
  test('assumeSuccess sets Success and reports a flip only when it was not', () => {
    assert.equal(assumeSuccess(state('startup')).changed, true);
    assert.equal(assumeSuccess(state('startup')).state.result, 'success');
    assert.equal(assumeSuccess(state('liveness')).changed, false);
  });
});

describe('ticker timing', () => {
  test('first tick at once for a fresh container; a random phase for one adopted long after its start', () => {
    const t = probeTiming('liveness', { periodSeconds: 10 });
    assert.equal(firstTickDelay(t, T0, T0 + 300, () => 0.5), 0);
    assert.equal(firstTickDelay(t, T0, T0 + 60_000, () => 0.5), 5000);
    assert.ok(firstTickDelay(t, T0, T0 + 60_000, () => 0.999) < 10_000);
  });
  test('nextTickDelay: fixed rate from the phase, missed ticks dropped', () => {
    assert.equal(nextTickDelay(T0, 1000, T0), 1000);
    assert.equal(nextTickDelay(T0, 1000, T0 + 10), 990);
    assert.equal(nextTickDelay(T0, 1000, T0 + 3500), 500);
    assert.equal(nextTickDelay(T0 + 200, 1000, T0), 200);
  });
  test('the first real probe lands in [initialDelay, initialDelay + period] for every delay/period/lag', () => {
    for (const period of [1, 2, 3, 10]) {
      for (const delay of [0, 1, 4, 5, 10, 11, 25]) {
        for (const lag of [0, 1, 250, 999]) {
          const s = state('readiness', { periodSeconds: period, initialDelaySeconds: delay });
          // Simulate the ticker: tracked `lag` ms after the start, ticks every period.
          const tracked = T0 + lag;
          let now = tracked + firstTickDelay(s.timing, T0, tracked, Math.random);
          while (nextStep(s, { now, started: true, terminating: false }).do !== 'probe') now += nextTickDelay(tracked, s.timing.periodMs, now);
          const after = now - T0;
          assert.ok(after >= delay * 1000 && after <= (delay + period) * 1000, `period ${period} delay ${delay} lag ${lag}: ${after}`);
        }
      }
    }
  });
});
