import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQuantity,
  parseCpuMillis,
  parseMemoryBytes,
  formatQuantity,
  canonicalQuantity,
  isValidQuantity,
  compareQuantities,
  QuantityParseError,
} from './quantity.js';

test('cpu quantities become milli-cores, rounded up', () => {
  assert.equal(parseCpuMillis('100m'), 100);
  assert.equal(parseCpuMillis('1.5'), 1500);
  assert.equal(parseCpuMillis('2'), 2000);
  assert.equal(parseCpuMillis('0.1'), 100);
  assert.equal(parseCpuMillis('1e3'), 1_000_000);
  assert.equal(parseCpuMillis('1u'), 1);
  assert.equal(parseCpuMillis('.5'), 500);
  assert.equal(parseCpuMillis('5.'), 5000);
});

test('memory quantities become bytes', () => {
  assert.equal(parseMemoryBytes('128Mi'), 134217728);
  assert.equal(parseMemoryBytes('1G'), 1e9);
  assert.equal(parseMemoryBytes('1Ki'), 1024);
  assert.equal(parseMemoryBytes('1.5Gi'), 1610612736);
  assert.equal(parseMemoryBytes('64k'), 64000);
  assert.equal(parseMemoryBytes('100m'), 1);
  assert.equal(parseMemoryBytes('1E'), 1e18);
  assert.equal(parseMemoryBytes('-1k'), -1000);
  assert.equal(parseMemoryBytes('+7'), 7);
});

test('bad quantities are rejected with the Kubernetes message', () => {
  for (const bad of ['', 'abc', '1Kb', '1.2.3', 'Mi', '.', '1 Mi', '1e', '--1', '1mi']) {
    assert.throws(() => parseQuantity(bad), QuantityParseError, bad);
    assert.equal(isValidQuantity(bad), false);
  }
  assert.throws(() => parseQuantity('x'), /quantities must match the regular expression/);
});

test('canonical formatting keeps the suffix family', () => {
  assert.equal(canonicalQuantity('0.5'), '500m');
  assert.equal(canonicalQuantity('500m'), '500m');
  assert.equal(canonicalQuantity('1000m'), '1');
  assert.equal(canonicalQuantity('1000'), '1k');
  assert.equal(canonicalQuantity('1500'), '1500');
  assert.equal(canonicalQuantity('1.5Gi'), '1536Mi');
  assert.equal(canonicalQuantity('1024Mi'), '1Gi');
  assert.equal(canonicalQuantity('128Mi'), '128Mi');
  assert.equal(canonicalQuantity('0.5Ki'), '512');
  assert.equal(canonicalQuantity('1e3'), '1e3');
  assert.equal(canonicalQuantity('0'), '0');
  assert.equal(canonicalQuantity('-2k'), '-2k');
  assert.equal(formatQuantity(parseQuantity('1n')), '1n');
  assert.equal(canonicalQuantity('junk'), 'junk');
});

test('quantities compare across formats', () => {
  assert.equal(compareQuantities(parseQuantity('1Ki'), parseQuantity('1k')), 1);
  assert.equal(compareQuantities(parseQuantity('0.5'), parseQuantity('500m')), 0);
  assert.equal(compareQuantities(parseQuantity('1m'), parseQuantity('1')), -1);
});
