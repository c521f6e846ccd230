// udp.connections.secret: empty means random per process, 32 hex characters are taken as
// the 16-byte key, anything else stops start-up naming the key without echoing the value,
// and `config dump` (redactSecrets) never shows it.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../app/config/load.ts';
import { REDACTED, redactSecrets } from '../../app/config/redact.ts';
import type { Config } from '../../app/config/types.ts';

const KEY = '00112233445566778899aabbccddeeff';

function load(env: Record<string, string>): Config {
  const home = mkdtempSync(join(tmpdir(), 'trakx-secret-'));
  return loadConfig({ home, cwd: home, writeDefault: false, env }).config;
}

test('unset or empty: empty (a random key per process)', () => {
  assert.equal(load({}).udp.connections.secret, '');
  assert.equal(load({ TRAKX_UDP_CONNECTIONS_SECRET: '' }).udp.connections.secret, '');
});

test('32 hex characters, either case, are accepted as given', () => {
  assert.equal(load({ TRAKX_UDP_CONNECTIONS_SECRET: KEY }).udp.connections.secret, KEY);
  const upper = KEY.toUpperCase();
  assert.equal(load({ TRAKX_UDP_CONNECTIONS_SECRET: upper }).udp.connections.secret, upper);
});

test('anything else stops loading, naming the key and not echoing the value', () => {
  for (const bad of [KEY.slice(1), `${KEY}0`, `${KEY.slice(2)}zz`, 'correct horse battery staple']) {
    let err: unknown;
    try {
      load({ TRAKX_UDP_CONNECTIONS_SECRET: bad });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError, `${bad}: ${err}`);
    assert.equal(err.key, 'udp.connections.secret');
    assert.match(err.message, /TRAKX_UDP_CONNECTIONS_SECRET/);
    assert.match(err.message, /32 hexadecimal characters/);
    assert.ok(!err.message.includes(bad), err.message);
  }
});

test('redactSecrets hides a set secret, leaves an empty one and the original alone', () => {
  const config = load({ TRAKX_UDP_CONNECTIONS_SECRET: KEY });
  const shown = redactSecrets(config);
  assert.equal(shown.udp.connections.secret, REDACTED);
  assert.ok(!JSON.stringify(shown).includes(KEY));
  assert.equal(config.udp.connections.secret, KEY);
  assert.equal(shown.udp.connections.expiry, config.udp.connections.expiry);
  assert.equal(redactSecrets(load({})).udp.connections.secret, '');
});
