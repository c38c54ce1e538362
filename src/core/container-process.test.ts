import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  resolveProcess,
  expandVariables,
  containerEnvironment,
  mergeEnv,
  parseImageUser,
  DEFAULT_PATH,
} from './container-process.js';
import type { ImageRuntimeConfig } from './ports.js';

const image: ImageRuntimeConfig = { Entrypoint: ['echo', 'E'], Cmd: ['C'] };

test('command/args vs image entrypoint/cmd: the four combinations', () => {
  const run = (command?: string[], args?: string[]) =>
    resolveProcess({ name: 'c', command, args }, image, []).args;
  assert.deepEqual(run(), ['echo', 'E', 'C']);
  assert.deepEqual(run(undefined, ['A']), ['echo', 'E', 'A']);
  assert.deepEqual(run(['echo', 'X']), ['echo', 'X']);
  assert.deepEqual(run(['echo', 'X'], ['A']), ['echo', 'X', 'A']);
  assert.deepEqual(run([], []), ['echo', 'E', 'C']);
  assert.deepEqual(resolveProcess({ name: 'c' }, { Entrypoint: null, Cmd: ['sh'] }, []).args, ['sh']);
});

test('expansion follows the forked expansion package', () => {
  const vars = new Map([
    ['A', 'x'],
    ['EMPTY', ''],
  ]);
  const cases: Array<[string, string]> = [
    ['$(A)', 'x'],
    ['$(B)', '$(B)'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$$$$', '$$'],
    ['a$b', 'a$b'],
    ['$', '$'],
    ['x$', 'x$'],
    ['$(A', '$(A'],
    ['$(A$(A)', '$(A$(A)'],
    ['$()', '$()'],
    ['$(EMPTY)-', '-'],
    ['${A} $A', '${A} $A'],
    ['pre$(A)mid$(A)post', 'prexmidxpost'],
    ['$(A)$(A', 'x$(A'],
    ['ünï$(A)ç', 'ünïxç'],
  ];
  for (const [input, want] of cases) assert.equal(expandVariables(input, vars), want, input);
});

test('scenario 33: env sees only earlier entries, command sees the final set, image env invisible', () => {
  const p = resolveProcess(
    { name: 'c', command: ['printf', '%s\n', '$(B)'] },
    { Env: ['PATH=/img/bin'] },
    [
      { name: 'A', value: 'x', expand: true },
      { name: 'B', value: '$(A)-$(C)-$$(A)-$(PATH)', expand: true },
      { name: 'C', value: 'z', expand: true },
    ],
  );
  assert.deepEqual(p.args, ['printf', '%s\n', 'x-$(C)-$(A)-$(PATH)']);
  assert.ok(p.env.includes('B=x-$(C)-$(A)-$(PATH)'));
  assert.ok(p.env.includes('PATH=/img/bin'));
});

test('valueFrom/envFrom results are never expanded; later duplicates win', () => {
  const vars = containerEnvironment([
    { name: 'A', value: '1' },
    { name: 'R', value: '$(A)' },
    { name: 'A', value: '2', expand: true },
    { name: 'B', value: '$(A)', expand: true },
  ]);
  assert.deepEqual(vars, [
    { name: 'A', value: '2' },
    { name: 'R', value: '$(A)' },
    { name: 'B', value: '2' },
  ]);
});

test('service variables are visible to expansion and never override', () => {
  const vars = containerEnvironment(
    [
      { name: 'X', value: '$(SVC_HOST)', expand: true },
      { name: 'SVC_PORT', value: 'mine' },
    ],
    [
      { name: 'SVC_HOST', value: '10.0.0.1' },
      { name: 'SVC_PORT', value: '80' },
    ],
  );
  assert.deepEqual(vars, [
    { name: 'X', value: '10.0.0.1' },
    { name: 'SVC_PORT', value: 'mine' },
    { name: 'SVC_HOST', value: '10.0.0.1' },
  ]);
});

test('environment: default PATH, HOSTNAME, image env, container overrides in place', () => {
  const noImageEnv = resolveProcess({ name: 'c' }, {}, [], { hostname: 'web' });
  assert.deepEqual(noImageEnv.env, [`PATH=${DEFAULT_PATH}`, 'HOSTNAME=web']);
  const p = resolveProcess(
    { name: 'c' },
    { Env: ['PATH=/bin', 'LANG=C', 'HOME=/root'] },
    [
      { name: 'LANG', value: 'en' },
      { name: 'HOSTNAME', value: 'override' },
      { name: 'NEW', value: 'n' },
    ],
    { hostname: 'web' },
  );
  assert.deepEqual(p.env, ['PATH=/bin', 'HOSTNAME=override', 'LANG=en', 'HOME=/root', 'NEW=n']);
});

test('mergeEnv replaces or appends by key', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4', 'A=']), ['A=', 'B=3', 'C=4']);
});

test('working directory: spec, then image, then /', () => {
  assert.equal(resolveProcess({ name: 'c', workingDir: '/w' }, { WorkingDir: '/i' }, []).cwd, '/w');
  assert.equal(resolveProcess({ name: 'c' }, { WorkingDir: '/i' }, []).cwd, '/i');
  assert.equal(resolveProcess({ name: 'c' }, { WorkingDir: '' }, []).cwd, '/');
});

test('parseImageUser', () => {
  assert.deepEqual(parseImageUser(''), {});
  assert.deepEqual(parseImageUser('1000'), { uid: 1000 });
  assert.deepEqual(parseImageUser('1000:1000'), { uid: 1000, gid: 1000 });
  assert.deepEqual(parseImageUser('0:0'), { uid: 0, gid: 0 });
  assert.deepEqual(parseImageUser('root'), { name: 'root' });
  assert.deepEqual(parseImageUser('app:grp'), { name: 'app', group: 'grp' });
  assert.deepEqual(parseImageUser('app:20'), { name: 'app', gid: 20 });
  assert.deepEqual(parseImageUser('65534:nogroup'), { uid: 65534, group: 'nogroup' });
});
