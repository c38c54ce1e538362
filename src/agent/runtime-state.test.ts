import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OciContainerInfo, OciRuntime } from '../core/ports.js';
import { silentLogger } from '../core/logger.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakePodNetwork } from '../testing/fake-pod-network.js';
import { RuntimeState } from './runtime-state.js';

/** A runtime whose `inspect` answers what the test says, when the test says (a pending read can be held). */
function stubRuntime() {
  const answers = new Map<string, OciContainerInfo>();
  let exitListener: (id: string) => void = () => {};
  let held: { id: string; release: () => void } | undefined;
  const runtime = {
    name: 'stub',
    inspect: async (id: string) => {
      const seen = answers.get(id);
      if (held?.id === id) await new Promise<void>((r) => (held!.release = r));
      return seen;
    },
    list: async () => [...answers.values()],
    onExit: (l: (id: string) => void) => ((exitListener = l), () => {}),
  } as unknown as OciRuntime;
  return {
    runtime,
    answers,
    exit: (id: string) => exitListener(id),
    hold: (id: string) => (held = { id, release: () => {} }),
    release: () => held?.release(),
  };
}

const settle = () => new Promise((r) => setImmediate(r));
const base = { annotations: {}, createdAt: '2025-01-01T00:00:00.000Z' };
const exited: OciContainerInfo = { id: 'c1', ...base, status: 'stopped', exitCode: 1, finishedAt: '2025-01-01T00:00:00.050Z' };

/** A container created, whose runtime now reads it as exited (without a start time). */
function createdThenExited() {
  const clock = new FakeClock();
  const rt = stubRuntime();
  const state = new RuntimeState(rt.runtime, new FakePodNetwork(), silentLogger, clock);
  state.start();
  state.recordCreated('c1', {}, 42);
  rt.answers.set('c1', exited);
  return { clock, rt, state };
}

test('an instance that exits before its start returns still gets a start time', async () => {
  const { clock, rt, state } = createdThenExited();
  // conmon's exit file lands before `start` returned and the runtime noted the start.
  rt.exit('c1');
  await settle();
  assert.equal(state.get('c1')?.startedAt, undefined);
  clock.advance(20);
  state.recordStarted('c1');
  assert.deepEqual([state.get('c1')?.status, state.get('c1')?.startedAt, state.get('c1')?.finishedAt], ['stopped', new Date(clock.now()).toISOString(), exited.finishedAt]);
});

test('the start time given to an instance that exited first is never after its finish', async () => {
  const { clock, rt, state } = createdThenExited();
  rt.exit('c1');
  await settle();
  clock.advance(200); // the start returns 150 ms after the exit
  state.recordStarted('c1');
  assert.equal(state.get('c1')?.startedAt, exited.finishedAt);
});

test('a reading without a start time that lands after the start was recorded keeps the start', async () => {
  const { rt, state } = createdThenExited();
  rt.hold('c1');
  rt.exit('c1'); // the read is under way, without the start
  await settle();
  state.recordStarted('c1');
  const started = state.get('c1')?.startedAt;
  assert.ok(started);
  rt.release();
  await settle();
  assert.deepEqual([state.get('c1')?.status, state.get('c1')?.startedAt], ['stopped', started]);
  // A relist that reads it without the start keeps it too; one with the runtime's own start takes that.
  await state.relist();
  assert.equal(state.get('c1')?.startedAt, started);
  rt.answers.set('c1', { ...exited, startedAt: '2025-01-01T00:00:00.010Z' });
  await state.relist();
  assert.equal(state.get('c1')?.startedAt, '2025-01-01T00:00:00.010Z');
});
