import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../core/errors.js';
import { applyChanges } from './image-changes.js';

test('ENV sets several variables and replaces existing ones', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, ['ENV PATH=/usr/bin:/bin B="two words"', 'env C=3', 'ENV D legacy form value']);
  assert.deepEqual(c.Env, ['PATH=/usr/bin:/bin', 'A=1', 'B=two words', 'C=3', 'D=legacy form value']);
});

test('CMD and ENTRYPOINT accept exec form and shell form', () => {
  assert.deepEqual(applyChanges({}, ['CMD ["sh"]']).Cmd, ['sh']);
  assert.deepEqual(applyChanges({}, ['CMD sh -c x']).Cmd, ['/bin/sh', '-c', 'sh -c x']);
  assert.deepEqual(applyChanges({}, ['ENTRYPOINT ["/bin/busybox", "httpd"]']).Entrypoint, ['/bin/busybox', 'httpd']);
});

test('WORKDIR, USER, LABEL, EXPOSE, STOPSIGNAL, VOLUME', () => {
  const c = applyChanges({}, [
    'WORKDIR /srv',
    'WORKDIR app',
    'USER 1000:1000',
    'LABEL a=b "c d"=e',
    'EXPOSE 80 53/udp',
    'STOPSIGNAL SIGINT',
    'VOLUME ["/data"]',
    'VOLUME /cache /logs',
  ]);
  assert.equal(c.WorkingDir, '/srv/app');
  assert.equal(c.User, '1000:1000');
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/cache', '/logs']);
});

test('the base config is not modified', () => {
  const base = { Env: ['A=1'] };
  applyChanges(base, ['ENV A=2']);
  assert.deepEqual(base.Env, ['A=1']);
});

test('bad changes are clear errors naming the change', () => {
  const cases: [string, RegExp][] = [
    ['RUN echo hi', /unknown instruction RUN \(supported: CMD/],
    ['FROM x', /unknown instruction FROM/],
    ['CMD ["sh"', /JSON array/],
    ['CMD [1]', /array of strings/],
    ['ENV', /needs an argument/],
    ['ENV =x', /KEY=VALUE/],
    ['EXPOSE 99999', /EXPOSE port/],
    ['EXPOSE 80/icmp', /EXPOSE port/],
    ['VOLUME data', /absolute/],
    ['USER a b', /exactly one/],
    ['LABEL a="unterminated', /unterminated quote/],
    ['', /INSTRUCTION/],
  ];
  for (const [change, why] of cases) {
    assert.throws(() => applyChanges({}, [change]), (e: unknown) => e instanceof BadRequestError && why.test(e.message) && e.message.includes(`"${change}"`), change);
  }
});
