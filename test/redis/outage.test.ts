// Redis stopped (SIGSTOP: slow) and killed (kill -9) under load, behind a real
// `trakx run`: every announce and scrape still gets an answer within db.redis.timeout
// (HTTP: a failure reason with BEP 31 `retry in`; UDP: an error packet), the process
// stays up, /heartbeat says degraded, the store metrics count it (promtool accepts
// them), and once redis-server is back on its port full service returns.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BValue, bdict } from '../helpers/bdecode.ts';
import { get, pct } from '../helpers/http-client.ts';
import { trakx, waitFor } from '../helpers/process.ts';
import { RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { skipWithout, toolMissing } from '../helpers/required-tool.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, hash20 } from '../udp/packets.ts';
import { type Instance, startInstance } from './instances.ts';

const TIMEOUT_MS = 1000;
/** The answer's bound: db.redis.timeout, plus room for a busy shared test machine. */
const ANSWER_WITHIN_MS = TIMEOUT_MS + 4000;
const promtoolMissing = toolMissing('promtool', ['--version'], 'prometheus');

interface Outcome {
  ok: number;
  failed: number;
  /** Failure replies without `retry in` as a positive number of minutes. */
  noRetryIn: number;
  slowest: number;
  other: string[];
}

function outcome(): Outcome {
  return { ok: 0, failed: 0, noRetryIn: 0, slowest: 0, other: [] };
}

function announcePath(n: number): string {
  const hash = hash20(`outage-${n % 50}`);
  const id = Buffer.alloc(20, 0x41);
  id.writeUInt32BE(n, 16);
  return `/announce?info_hash=${pct(hash)}&peer_id=${pct(id)}&port=${1024 + (n % 60000)}&uploaded=0&downloaded=0&left=1&compact=1`;
}

/** Sends HTTP announces (and a scrape every tenth) one after another until `stop`. */
async function httpLoad(port: number, lane: number, stop: { now: boolean }, into: Outcome): Promise<void> {
  for (let i = 0; !stop.now && i < 100_000; i++) {
    const n = lane * 100_000 + i;
    const path = i % 10 === 9 ? `/scrape?info_hash=${pct(hash20(`outage-${n % 50}`))}` : announcePath(n);
    const t0 = performance.now();
    let body: { [key: string]: BValue };
    try {
      const res = await get('127.0.0.1', port, path);
      assert.equal(res.status, 200, `HTTP ${res.status}: ${res.body}`);
      body = bdict(res.body);
    } catch (err) {
      into.other.push(String(err));
      continue;
    }
    into.slowest = Math.max(into.slowest, performance.now() - t0);
    if (body['failure reason'] === undefined) {
      into.ok++;
      continue;
    }
    into.failed++;
    const retry = body['retry in'];
    if (typeof retry !== 'number' || retry <= 0) into.noRetryIn++;
  }
}

/** UDP announces from one client until `stop`: each answered, by a reply or an error packet. */
async function udpLoad(port: number, stop: { now: boolean }, into: Outcome): Promise<void> {
  const c = await UdpClient.open('127.0.0.1');
  try {
    const id = await c.connect(port);
    for (let i = 0; !stop.now && i < 100_000; i++) {
      const t0 = performance.now();
      const r = await c.request(
        announcePacket({
          connId: id,
          txid: i,
          infoHash: hash20(`outage-udp-${i % 7}`),
          port: 2000 + (i % 100),
        }),
        port,
        ANSWER_WITHIN_MS,
      );
      into.slowest = Math.max(into.slowest, performance.now() - t0);
      if (r === null) into.other.push(`UDP announce ${i}: no reply within ${ANSWER_WITHIN_MS} ms`);
      else if (r.readUInt32BE(0) === 1) into.ok++;
      else if (r.readUInt32BE(0) === 3) {
        into.failed++;
        if (!/retry/.test(r.subarray(8).toString('latin1'))) into.noRetryIn++;
      } else into.other.push(`UDP reply action ${r.readUInt32BE(0)}`);
    }
  } finally {
    await c.close();
  }
}

async function heartbeat(port: number): Promise<{ status: number; body: string }> {
  const r = await get('127.0.0.1', port, '/heartbeat');
  return { status: r.status, body: r.body.toString() };
}

async function metrics(port: number): Promise<string> {
  return (await get('127.0.0.1', port, '/metrics')).body.toString();
}

function errorsOf(text: string, reason: string): number {
  const m = text.match(new RegExp(`^trakx_store_errors_total\\{reason="${reason}"\\} (\\d+)`, 'm'));
  return m ? Number(m[1]) : -1;
}

/** Load for `ms` while `during` runs; the outcome of every request made. */
async function underLoad(port: number, ms: number, during: () => Promise<void>): Promise<Outcome> {
  const stop = { now: false };
  const http = outcome();
  const udp = outcome();
  const loads = [0, 1, 2, 3].map((lane) => httpLoad(port, lane, stop, http));
  loads.push(udpLoad(port, stop, udp));
  try {
    await during();
    await sleep(ms);
  } finally {
    stop.now = true;
    await Promise.all(loads);
  }
  return {
    ok: http.ok + udp.ok,
    failed: http.failed + udp.failed,
    noRetryIn: http.noRetryIn + udp.noRetryIn,
    slowest: Math.max(http.slowest, udp.slowest),
    other: [...http.other, ...udp.other],
  };
}

function assertAnswered(o: Outcome, what: string): void {
  assert.deepEqual(o.other, [], `${what}: requests without a proper answer`);
  assert.ok(o.failed > 0, `${what}: no request failed (${o.ok} succeeded)`);
  assert.equal(o.noRetryIn, 0, `${what}: failures without retry in`);
  assert.ok(o.slowest < ANSWER_WITHIN_MS, `${what}: an answer took ${o.slowest.toFixed(0)} ms`);
}

describe('Redis slow or gone under load', { skip: SKIP_NO_REDIS }, () => {
  const redis = new RedisServer();
  let t: Instance;
  before(async () => {
    await redis.start();
    t = await startInstance(redis, { TRAKX_DB_REDIS_TIMEOUT: `${TIMEOUT_MS}ms` });
  });
  after(async () => {
    await t?.run.stop();
    await redis.stop();
  });

  const alive = () => t.run.child.exitCode === null && t.run.child.signalCode === null;
  const recovers = async (what: string) => {
    await waitFor(
      `full service after ${what}`,
      20_000,
      async () => {
        const r = bdict((await get('127.0.0.1', t.port, announcePath(1))).body);
        return r['failure reason'] === undefined && (await heartbeat(t.port)).status === 200;
      },
      200,
    );
  };

  test('baseline: everything succeeds', async () => {
    const o = await underLoad(t.port, 500, async () => {});
    assert.deepEqual(o.other, []);
    assert.ok(o.ok > 0);
    assert.equal(o.failed, 0);
    assert.deepEqual(await heartbeat(t.port), { status: 200, body: 'ok' });
  });

  test('SIGSTOP: requests time out into failures with retry in; SIGCONT: service returns', async () => {
    const o = await underLoad(t.port, 2500, async () => {
      await sleep(300);
      redis.pause();
    });
    try {
      assertAnswered(o, 'redis stopped');
      const hb = await heartbeat(t.port);
      assert.equal(hb.status, 503);
      assert.match(hb.body, /^degraded: redis at 127\.0\.0\.1:\d+ is not answering$/);
      assert.ok(errorsOf(await metrics(t.port), 'timeout') > 0, 'timeouts counted');
    } finally {
      redis.resume();
    }
    await recovers('SIGCONT');
    assert.ok(alive());
  });

  test('kill -9: requests fail at once with retry in, degraded, and after a restart full service', async () => {
    const o = await underLoad(t.port, 1500, async () => {
      await sleep(300);
      await redis.kill9();
    });
    assertAnswered(o, 'redis killed');
    assert.ok(alive(), 'the tracker process is still up');
    const hb = await heartbeat(t.port);
    assert.equal(hb.status, 503);
    assert.match(hb.body, /^degraded: /);
    // `trakx status` reads the heartbeat: degraded, with the tracker's reason.
    const status = await trakx(['status', '--format', 'json'], t.env);
    const report = JSON.parse(status.stdout);
    assert.equal(report.heartbeat.http, 'degraded');
    assert.match(report.degraded, /^redis at 127\.0\.0\.1:\d+ is not answering$/);
    assert.match((await trakx(['status'], t.env)).stdout, /\n\[--\] {2}http: {5}degraded \(port \d+/);
    const text = await metrics(t.port);
    assert.ok(errorsOf(text, 'down') > 0, 'down counted');
    assert.match(text, /^trakx_store_latency_seconds_count [1-9]/m);
    // Restarted on the same port: back within the reconnect back-off.
    await redis.start();
    await recovers('restart');
    const again = await underLoad(t.port, 500, async () => {});
    assert.deepEqual(again.other, []);
    assert.equal(again.failed, 0);
    assert.ok(alive());
    assert.doesNotMatch(t.run.output(), /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace in the log');
  });

  test('the store metrics pass promtool check metrics', { skip: skipWithout(promtoolMissing) }, async () => {
    assert.equal(promtoolMissing, null, promtoolMissing ?? '');
    const text = await metrics(t.port);
    assert.match(text, /trakx_store_errors_total\{reason="overload"\} \d+/);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
  });
});
