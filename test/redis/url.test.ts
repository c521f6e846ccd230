// Redis URLs: schemes, credentials, database index, and messages that never show a password.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRedisUrl, redact } from '../../app/swarm/redis/url.ts';

test('redis:// and rediss:// with user, password, IPv6 host, port and database', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1'), {
    host: '127.0.0.1',
    port: 6379,
    path: '',
    tls: false,
    user: '',
    password: '',
    db: 0,
  });
  assert.deepEqual(parseRedisUrl('rediss://bob:p%40ss@[::1]:6380/3'), {
    host: '::1',
    port: 6380,
    path: '',
    tls: true,
    user: 'bob',
    password: 'p@ss',
    db: 3,
  });
  assert.equal(parseRedisUrl('redis://:secret@redis.internal').password, 'secret');
  assert.equal(parseRedisUrl('redis://redis.internal').host, 'redis.internal');
});

test('unix sockets: unix:// and redis+unix://, database and password as parameters', () => {
  assert.deepEqual(parseRedisUrl('unix:///run/redis/redis.sock?db=2&password=pw'), {
    host: '',
    port: 0,
    path: '/run/redis/redis.sock',
    tls: false,
    user: '',
    password: 'pw',
    db: 2,
  });
  const t = parseRedisUrl('redis+unix:///tmp/r.sock?user=bob&password=pw');
  assert.deepEqual([t.path, t.user, t.password, t.db], ['/tmp/r.sock', 'bob', 'pw', 0]);
});

test('bad URLs are refused with a message that names the problem and hides the password', () => {
  const cases: [string, RegExp][] = [
    ['http://h', /scheme must be redis:, rediss:, unix: or redis\+unix:/],
    ['not a url', /not a URL/],
    ['redis://u:hunter2@h/x', /database "x" is not a number/],
    ['unix://', /no socket path/],
  ];
  for (const [url, why] of cases) {
    assert.throws(
      () => parseRedisUrl(url),
      (e: Error) => why.test(e.message) && !e.message.includes('hunter2'),
      url,
    );
  }
  assert.equal(redact('redis://u:hunter2@h:1/0'), 'redis://u:***@h:1/0');
  assert.equal(redact('unix:///s?db=1&password=hunter2'), 'unix:///s?db=1&password=***');
});
