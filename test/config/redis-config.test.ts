// Configuration of the Redis store (db.type redis): what stops start-up, naming the key
// — an empty udp.connections.secret while UDP is on, a URL of another scheme, a prefix
// with braces, TLS files that cannot be read or come without their pair, a cluster seed
// that is a unix socket or another database — and that a dump hides the password in
// db.redis.url.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../app/config/load.ts';
import { redactSecrets } from '../../app/config/redact.ts';
import type { Config } from '../../app/config/types.ts';
import { createLogger } from '../../app/logger.ts';
import { openStore } from '../../app/open-store.ts';

const SECRET = '00112233445566778899aabbccddeeff';

function load(env: Record<string, string>): Config {
  const home = mkdtempSync(join(tmpdir(), 'trakx-redis-config-'));
  return loadConfig({ home, cwd: home, writeDefault: false, env }).config;
}

function keyOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
    return err.key;
  }
  assert.fail('no ConfigError was thrown');
}

const redis = (extra: Record<string, string> = {}) =>
  load({ TRAKX_DB_TYPE: 'redis', TRAKX_UDP_CONNECTIONS_SECRET: SECRET, ...extra });

/** openStore's verdict on a config; a store it did open is closed again. */
function open(config: Config): void {
  const opened = openStore(config, () => 0, createLogger('silent'));
  void opened.close();
}

test('db.type redis with UDP on needs udp.connections.secret; with UDP off it does not', () => {
  assert.equal(
    keyOf(() => load({ TRAKX_DB_TYPE: 'redis' })),
    'udp.connections.secret',
  );
  assert.equal(load({ TRAKX_DB_TYPE: 'redis', TRAKX_UDP_ENABLED: 'false' }).db.type, 'redis');
  assert.equal(load({}).db.type, 'memory');
  assert.equal(
    keyOf(() => load({ TRAKX_DB_TYPE: 'valkey' })),
    'db.type',
  );
});

test('defaults: redis://127.0.0.1:6379, prefix trakx:, timeout 2 s, events off', () => {
  const c = redis();
  assert.deepEqual(
    [c.db.redis.url, c.db.redis.prefix, c.db.redis.timeout, c.events.stream],
    ['redis://127.0.0.1:6379', 'trakx:', 2, ''],
  );
  assert.equal(load({ TRAKX_DB_REDIS_TIMEOUT: '250ms' }).db.redis.timeout, 0.25);
  assert.equal(
    keyOf(() => load({ TRAKX_DB_REDIS_TIMEOUT: '2m' })),
    'db.redis.timeout',
  );
  assert.equal(
    keyOf(() => load({ TRAKX_DB_REDIS_MAXINFLIGHT: '0' })),
    'db.redis.maxInFlight',
  );
});

test('a bad URL, a prefix with braces and unreadable or unpaired TLS files stop start-up naming the key', () => {
  assert.equal(
    keyOf(() => open(redis({ TRAKX_DB_REDIS_URL: 'http://127.0.0.1:6379' }))),
    'db.redis.url',
  );
  assert.equal(
    keyOf(() => open(redis({ TRAKX_DB_REDIS_URL: 'redis://h/notanumber' }))),
    'db.redis.url',
  );
  assert.equal(
    keyOf(() => open(redis({ TRAKX_DB_REDIS_PREFIX: 'a{b}:' }))),
    'db.redis.prefix',
  );
  assert.equal(
    keyOf(() => open(redis({ TRAKX_DB_REDIS_TLSCA: '/nonexistent/ca.pem' }))),
    'db.redis.tlsCa',
  );
  const dir = mkdtempSync(join(tmpdir(), 'trakx-tls-'));
  const cert = join(dir, 'cert.pem');
  writeFileSync(cert, 'not checked here');
  assert.equal(
    keyOf(() => open(redis({ TRAKX_DB_REDIS_TLSCERT: cert }))),
    'db.redis.tlsKey',
  );
  assert.equal(
    keyOf(() => open(redis({ TRAKX_DB_REDIS_TLSKEY: cert }))),
    'db.redis.tlsCert',
  );
  // Valid settings open (the connection is attempted in the background).
  open(redis({ TRAKX_DB_REDIS_URL: 'unix:///nonexistent/redis.sock?db=2' }));
});

test('db.redis.cluster takes a redis:// or rediss:// node at database 0, else stops naming db.redis.url', () => {
  assert.equal(redis().db.redis.cluster, false);
  const cluster = (url: string) => redis({ TRAKX_DB_REDIS_CLUSTER: 'true', TRAKX_DB_REDIS_URL: url });
  assert.equal(cluster('redis://127.0.0.1:7000').db.redis.cluster, true);
  assert.equal(
    keyOf(() => open(cluster('unix:///run/redis.sock'))),
    'db.redis.url',
  );
  assert.equal(
    keyOf(() => open(cluster('redis://127.0.0.1:7000/3'))),
    'db.redis.url',
  );
  assert.equal(
    keyOf(() => open(cluster('redis://127.0.0.1:7000/?db=1'))),
    'db.redis.url',
  );
  open(cluster('rediss://user:pw@127.0.0.1:7000/0'));
  open(cluster('redis://[::1]:7000'));
});

test('a config dump hides the password in db.redis.url', () => {
  const c = redis({ TRAKX_DB_REDIS_URL: 'redis://user:s3cret@10.0.0.5:6380/1' });
  const shown = redactSecrets(c);
  assert.equal(shown.db.redis.url, 'redis://user:***@10.0.0.5:6380/1');
  assert.ok(!JSON.stringify(shown).includes('s3cret'));
  assert.equal(c.db.redis.url, 'redis://user:s3cret@10.0.0.5:6380/1');
});
