// The Redis connection under real failures: one write per event-loop turn, a timeout on
// every request while redis-server is stopped (SIGSTOP), a cap instead of a queue,
// kill -9 and restart, the script cache flushed, unix sockets, AUTH, SELECT and TLS.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisConnection, type RedisConnectionOptions } from '../../app/swarm/redis/connection.ts';
import { RedisSwarm } from '../../app/swarm/redis/redis-swarm.ts';
import { freePort } from '../helpers/process.ts';
import { RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { hashOf, put, type Reply, waitUp } from './swarm-helpers.ts';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

const server = new RedisServer();
const opened: { close(): Promise<void> }[] = [];

function connection(o: Partial<RedisConnectionOptions> = {}): RedisConnection {
  const c = new RedisConnection({ url: server.url, ...o });
  opened.push(c);
  return c;
}

async function ready(c: RedisConnection, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!c.up) {
    if (Date.now() > until) throw new Error('connection never came up');
    await sleep(10);
  }
}

function swarmAt(url: string, extra: Partial<ConstructorParameters<typeof RedisSwarm>[0]> = {}): RedisSwarm {
  const s = new RedisSwarm({ url, peerTtl: 3600, maxTorrents: 0, maxPeersPerTorrent: 1000, ...extra });
  opened.push(s);
  return s;
}

/** How each of `promises` settled, and when (ms after `t0`). */
async function outcomes(promises: Promise<unknown>[], t0: number): Promise<{ error: string; ms: number }[]> {
  return Promise.all(
    promises.map((p) =>
      p.then(
        () => ({ error: '', ms: performance.now() - t0 }),
        (e: Error) => ({ error: e.message, ms: performance.now() - t0 }),
      ),
    ),
  );
}

describe('redis connection', { skip: SKIP_NO_REDIS, timeout: 60_000 }, () => {
  before(async () => {
    await server.start();
  });
  after(async () => {
    for (const c of opened) await c.close();
    await server.stop();
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });

  test('all requests of one event-loop turn leave in one write', async () => {
    const s = swarmAt(server.url);
    await waitUp(s);
    const writes: number[] = [];
    const original = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      if (this.remotePort === server.port) writes.push(Buffer.byteLength(args[0] as Buffer));
      return original.apply(this, args);
    } as Socket['write'];
    try {
      const batch = (base: number) =>
        Array.from({ length: 100 }, (_, i) => put(s, hashOf(base + (i % 7)), 4, base + i, 1, { numwant: 5 }));
      // Three callbacks of one check phase, as datagrams arrive in separate callbacks of
      // one poll phase: microtasks run between them, the write waits. (Timers of one
      // delay may fire in different loop turns on a loaded machine; immediates queued
      // together always run in one phase.)
      const turn = (base: number) =>
        Promise.all(
          [0, 100, 200].map(
            (k) => new Promise<Reply[]>((ok) => setImmediate(() => ok(Promise.all(batch(base + k))))),
          ),
        );
      const first = (await turn(0)).flat();
      assert.equal(writes.length, 1, `300 announces in one turn took ${writes.length} writes`);
      assert.ok(first.every((r) => r.code === 0 && r.leechers >= 1));
      await turn(1000);
      assert.equal(writes.length, 2, 'the next turn, the next write');
    } finally {
      Socket.prototype.write = original;
    }
  });

  test('a stopped server: each request fails after the timeout, the cap refuses at once, then recovery', async () => {
    const errors: string[] = [];
    const states: boolean[] = [];
    const c = connection({
      timeout: 400,
      maxInFlight: 40,
      onError: (e) => errors.push(e.message),
      onState: (up) => states.push(up),
    });
    await ready(c);
    server.pause();
    try {
      const t0 = performance.now();
      const inFlight = Array.from({ length: 40 }, () => c.command(['PING']));
      const over = c.command(['PING']);
      const [beyond] = await outcomes([over], t0);
      assert.match(beyond!.error, /40 requests already in flight/);
      assert.ok(beyond!.ms < 100, `the request beyond the cap waited ${beyond!.ms} ms`);
      const settled = await outcomes(inFlight, t0);
      for (const o of settled) {
        assert.match(o.error, /no reply within 400 ms/);
        assert.ok(o.ms >= 390, `failed after ${o.ms} ms, before its timeout`);
        assert.ok(o.ms < 3000, `failed only after ${o.ms} ms`);
      }
      assert.equal(c.up, false, 'not up while the server does not answer');
      assert.ok(states.includes(false));
      // Still stopped: new requests fail too, at once or within the timeout, none hang.
      const later = await outcomes([c.command(['PING'])], performance.now());
      assert.notEqual(later[0].error, '');
      assert.ok(later[0].ms < 3000);
    } finally {
      server.resume();
    }
    await ready(c);
    assert.equal(String(await c.command(['PING'])), 'PONG');
    assert.equal(states.at(-1), true, 'up again');
    assert.ok(
      errors.some((e) => /no reply within 400 ms/.test(e)),
      'errors were reported',
    );
  });

  test('kill -9 of redis-server and restart: errors meanwhile, full service after, no crash', async () => {
    const errors: string[] = [];
    const s = swarmAt(server.url, { timeout: 500, onError: (e) => errors.push(e.message) });
    await waitUp(s);
    let ok = 0;
    let failed = 0;
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) {
        const batch = Array.from({ length: 20 }, (_, k) =>
          put(s, hashOf(500 + k), 4, i % 50, 1, { numwant: 10 }),
        );
        for (const r of await Promise.allSettled(batch)) r.status === 'fulfilled' ? ok++ : failed++;
        await sleep(5);
      }
    })();
    await sleep(200);
    assert.ok(ok > 0, 'served before the kill');
    await server.kill9();
    await sleep(500);
    const failedWhileDown = failed;
    assert.ok(failedWhileDown > 0, 'announces fail while redis is gone');
    assert.equal(s.up, false);
    await server.start();
    await waitUp(s);
    const okBefore = ok;
    const failedBefore = failed;
    await sleep(300);
    running = false;
    await load;
    assert.ok(ok - okBefore > 0, 'served again after the restart');
    assert.equal(failed, failedBefore, 'no failures once reconnected');
    // The restarted server has an empty script cache: the handshake loaded the scripts.
    const r = await put(s, hashOf(999), 4, 1, 1);
    assert.equal(r.leechers, 1);
    assert.ok(
      errors.some((e) => /connection lost|not connected|ECONNREFUSED/.test(e)),
      errors.join('\n'),
    );
  });

  test('NOSCRIPT (script cache flushed) loads the script again and the request still succeeds', async () => {
    const errors: string[] = [];
    const s = swarmAt(server.url, { onError: (e) => errors.push(e.message) });
    await waitUp(s);
    await put(s, hashOf(700), 4, 1, 1);
    assert.equal(String(await s.conn.command(['SCRIPT', 'FLUSH'])), 'OK');
    const loads = async () => {
      const info = String(await s.conn.command(['INFO', 'commandstats']));
      return Number(
        /cmdstat_script\|load:calls=(\d+)/.exec(info)?.[1] ?? /cmdstat_script:calls=(\d+)/.exec(info)?.[1],
      );
    };
    const before = await loads();
    const replies = await Promise.all(
      [1, 2, 3].map((n) => put(s, hashOf(700), 4, 1 + n, 1, { numwant: 10 })),
    );
    assert.deepEqual(
      replies.map((r) => r.leechers),
      [2, 3, 4],
    );
    assert.ok((await loads()) > before, 'SCRIPT LOAD was sent');
    assert.deepEqual(errors, [], 'nothing failed');
  });

  test('unix socket URL with a database index: SELECT applies to the connection', async () => {
    const s = swarmAt(`unix://${server.socket}?db=5`);
    await waitUp(s);
    assert.equal((await put(s, hashOf(800), 6, 1, 1)).leechers, 1);
    assert.match(String(await s.conn.command(['CLIENT', 'INFO'])), / db=5 /);
    const zero = connection();
    await ready(zero);
    assert.equal(await zero.command(['EXISTS', `${s.prefixOf(hashOf(800))}l6`]), 0, 'not in db 0');
    assert.equal(await s.conn.command(['EXISTS', `${s.prefixOf(hashOf(800))}l6`]), 1);
  });

  test('close fails what is pending and stops reconnecting', async () => {
    const c = connection();
    await ready(c);
    server.pause();
    try {
      const pending = c.command(['PING']);
      await c.close();
      await assert.rejects(pending, /connection closed/);
      await assert.rejects(c.command(['PING']), /connection closed/);
    } finally {
      server.resume();
    }
  });
});

describe('redis connection: AUTH and TLS', { skip: SKIP_NO_REDIS, timeout: 60_000 }, () => {
  const secured = new RedisServer();
  let tlsPort = 0;
  let ca = '';

  before(async () => {
    tlsPort = await freePort();
    const cert = join(secured.dir, 'cert.pem');
    const key = join(secured.dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert, 'latin1');
    await secured.start([
      '--requirepass',
      's3cret',
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      cert,
      '--tls-key-file',
      key,
      '--tls-ca-cert-file',
      cert,
      '--tls-auth-clients',
      'no',
    ]);
  });
  after(async () => {
    for (const c of opened) await c.close();
    await secured.stop();
  });

  test('AUTH from the URL; a wrong password keeps it down, reported, refusing at once', async () => {
    const good = new RedisConnection({ url: `redis://:s3cret@127.0.0.1:${secured.port}` });
    opened.push(good);
    await ready(good);
    assert.equal(String(await good.command(['PING'])), 'PONG');
    const user = new RedisConnection({ url: `redis://default:s3cret@127.0.0.1:${secured.port}/2` });
    opened.push(user);
    await ready(user);
    assert.match(String(await user.command(['CLIENT', 'INFO'])), / db=2 /);
    const errors: string[] = [];
    const bad = new RedisConnection({
      url: `redis://:wrong@127.0.0.1:${secured.port}`,
      onError: (e) => errors.push(e.message),
    });
    opened.push(bad);
    await sleep(500);
    assert.equal(bad.up, false);
    assert.ok(
      errors.some((e) => /WRONGPASS|invalid password/.test(e)),
      errors.join('\n'),
    );
    assert.ok(!errors.some((e) => e.includes('wrong@')), 'the password is not in messages');
    await assert.rejects(bad.command(['PING']), /not connected/);
  });

  test('rediss:// with the server CA works; without it the certificate is refused', async () => {
    const s = swarmAt(`rediss://:s3cret@127.0.0.1:${tlsPort}`, { tls: { ca } });
    await waitUp(s);
    assert.equal((await put(s, hashOf(900), 4, 1, 1)).leechers, 1);
    assert.match(String(await s.conn.command(['CLIENT', 'INFO'])), /laddr=127\.0\.0\.1/);
    const errors: string[] = [];
    const untrusted = new RedisConnection({
      url: `rediss://:s3cret@127.0.0.1:${tlsPort}`,
      onError: (e) => errors.push(e.message),
    });
    opened.push(untrusted);
    await sleep(500);
    assert.equal(untrusted.up, false);
    assert.ok(
      errors.some((e) => /self[- ]signed|certificate/i.test(e)),
      errors.join('\n'),
    );
  });
});
