import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table, tabwrite } from './tab-writer.js';

test('table pads every column but the last by three spaces', () => {
  assert.equal(table(['NAME', 'READY'], [['web', '1/1'], ['a-long-name', '0/2']]), 'NAME          READY\nweb           1/1\na-long-name   0/2\n');
});

test('a line with fewer cells ends the column block, as Go tabwriter does', () => {
  const text = ['Name:\tx', 'Service Account:\tdefault', 'IPs:', '  IP:\t10.0.0.1', 'QoS:\tBestEffort', ''].join('\n');
  assert.equal(
    tabwrite(text, 2),
    ['Name:             x', 'Service Account:  default', 'IPs:', '  IP:  10.0.0.1', 'QoS:   BestEffort', ''].join('\n'),
  );
});

test('nested columns align within their own block', () => {
  const text = ['a\tb\tc', 'aaaa\tbb\tc', 'x\ty', ''].join('\n');
  assert.equal(tabwrite(text, 1), ['a    b  c', 'aaaa bb c', 'x    y', ''].join('\n'));
});
