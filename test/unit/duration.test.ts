// Configuration durations: `90s`, `30m`, `1h`, combinations, bare seconds; and back.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDuration } from '../../app/config/duration.ts';

describe('parseDuration', () => {
  const good: [unknown, number][] = [
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['2d', 172800],
    ['1h30m', 5400],
    ['1h0m30s', 3630],
    ['500ms', 0.5],
    ['1.5h', 5400],
    ['0', 0],
    ['0s', 0],
    ['45', 45],
    ['2.5', 2.5],
    [' 5m ', 300],
    [45, 45],
    [0, 0],
    [0.25, 0.25],
  ];
  for (const [input, seconds] of good) {
    test(`${JSON.stringify(input)} is ${seconds}s`, () => assert.equal(parseDuration(input), seconds));
  }

  const bad: unknown[] = [
    '',
    ' ',
    'm',
    '5x',
    '5M',
    '5 m',
    '1h 30m',
    '-5',
    '-5m',
    '+5m',
    '1e3',
    '.5m',
    '5.m',
    'h1',
    '5m!',
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    undefined,
    true,
    {},
    ['5m'],
  ];
  for (const input of bad) {
    test(`refuses ${typeof input === 'number' ? String(input) : JSON.stringify(input)}`, () =>
      assert.equal(parseDuration(input), undefined));
  }
});

describe('parseDuration of whole units', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [90, '90s'],
    [1800, '30m'],
    [3600, '1h'],
    [5400, '90m'],
    [7200, '2h'],
    [86400, '24h'],
  ];
  for (const [seconds, text] of cases) {
    test(`${text} → ${seconds}`, () => {
      assert.equal(parseDuration(text), seconds);
    });
  }
});
