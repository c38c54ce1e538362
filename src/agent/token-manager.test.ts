import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../core/logger.js';
import { rfc3339Seconds } from '../core/rfc3339.js';
import type { Pod } from '../core/types.js';
import { FakeClock } from '../testing/fake-clock.js';
import { ServiceAccountTokenManager } from './token-manager.js';

const pod: Pod = {
  metadata: { namespace: 'app', name: 'p', uid: 'u1' },
  spec: { containers: [], volumes: [{ name: 'kube-api-access-x', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } }] },
};

test('tokens are fetched once, then again at 80 % of their lifetime, and the pod volumes rewritten', async () => {
  const clock = new FakeClock();
  let n = 0;
  const refreshed: string[] = [];
  const mgr = new ServiceAccountTokenManager({
    source: { requestToken: async (_p, _a, exp) => ({ token: `t${++n}`, expirationTimestamp: rfc3339Seconds(clock.now() + exp * 1000) }) },
    clock,
    logger: silentLogger,
    refreshVolumes: async (uid) => {
      refreshed.push(uid);
      await mgr.prepare(pod);
    },
    checkEveryMs: 60_000,
  });
  mgr.start();
  await mgr.prepare(pod);
  await mgr.prepare(pod);
  assert.equal(mgr.get(pod, pod.spec!.volumes![0].projected!.sources![0].serviceAccountToken!), 't1');
  assert.equal(n, 1, 'cached');
  clock.advance(2820_000);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(refreshed, [], 'not due at 47 minutes');
  clock.advance(60_000 + 60_000);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual(refreshed, ['u1'], 'due after 48 minutes (80 % of an hour)');
  assert.equal(mgr.get(pod, pod.spec!.volumes![0].projected!.sources![0].serviceAccountToken!), 't2');
  mgr.stop();
});
