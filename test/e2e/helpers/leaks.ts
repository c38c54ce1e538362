/**
 * @module Leak assertions for e2e tests: after a test, nothing of its peapod instance may remain on
 * the host (mounts, netns, veths, conmon processes, cgroups, CNI iptables rules).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Layout } from '../../../src/core/layout.js';
import { findHostLeaks, type HostLeakOptions } from '../../../src/adapters/system/host-leaks.js';

export async function assertNoHostLeaks(layout: Layout, opts: HostLeakOptions = {}): Promise<void> {
  const leaks = await findHostLeaks(layout, opts);
  assert.deepEqual(leaks, [], `peapod left these on the host:\n  ${leaks.join('\n  ')}`);
}

/**
 * Adds the check as a `t.after` hook. node runs `after` hooks in registration order, so call this
 * after registering the cleanup hooks: the check then sees what the cleanup left. A failing hook
 * fails the test.
 */
export function checkLeaksAfter(t: TestContext, layout: Layout, opts: HostLeakOptions = {}): void {
  t.after(() => assertNoHostLeaks(layout, opts));
}
