// With two worker threads, two bittorrent-tracker clients (default settings; WebRTC is the
// stand-in of test/ws/webrtc) whose WebSocket connections the kernel put on different
// workers still meet: the second is counted with the first, gets an offer across, and the
// answer comes back. Which worker holds a connection is read from its request slots
// (trakx_ws_connections' source); pairs that landed on one worker are closed and retried.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { register } from 'node:module';
import { after, before, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { noUdp, startTestService } from '../helpers/service.ts';

register('../ws/webrtc/hooks.mjs', import.meta.url);
const { default: Client } = await import('bittorrent-tracker/client');

/** Client pairs tried before giving up on two workers (each lands apart with odds 1/2). */
const MAX_PAIRS = 30;
const WAIT_MS = 5000;

// biome-ignore lint/suspicious/noExplicitAny: bittorrent-tracker's client has no types here
type TrackerClient = any;

function hex20(tag: string): string {
  return Buffer.from(tag.padEnd(20, '-').slice(0, 20)).toString('hex');
}

function client(url: string, infoHash: string, peer: string, warnings: string[]): TrackerClient {
  const c = new Client({ infoHash, peerId: hex20(peer), announce: [url], port: 6881 });
  c.on('warning', (err: Error) => warnings.push(err.message));
  c.on('error', (err: Error) => warnings.push(err.message));
  return c;
}

/** The first `event` of `emitter`, or a rejection naming `what` after WAIT_MS. */
function within<T>(emitter: TrackerClient, event: string, what: string): Promise<T> {
  return Promise.race([
    once(emitter, event).then((args) => args[0] as T),
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not arrive`)), WAIT_MS).unref(),
    ),
  ]);
}

/** Open WebSocket connections per worker. */
function perWorker(svc: Service): number[] {
  return svc.pool?.slots.map((s) => s.wsConnections) ?? [];
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

let svc: Service;
before(async () => {
  svc = await startTestService({ host: '127.0.0.1', tweak: noUdp, env: { TRAKX_WORKERS: '2' } });
  assert.equal(svc.pool?.live, 2);
});
after(() => svc.close());

test('two clients on different workers exchange offer and answer', { timeout: 120_000 }, async () => {
  const url = `ws://127.0.0.1:${svc.httpPort}/announce`;
  const warnings: string[] = [];
  for (let pair = 0; pair < MAX_PAIRS; pair++) {
    const infoHash = hex20(`ws-pair-${pair}`);
    // The client pools one socket per tracker URL; a query string gives each its own.
    const a = client(`${url}?a${pair}`, infoHash, `-WW0208-a${pair}`, warnings);
    const b = client(`${url}?b${pair}`, infoHash, `-WW0208-b${pair}`, warnings);
    try {
      a.start();
      await within(a, 'update', "A's announce reply");
      const aPeer = within<{ id: string }>(a, 'peer', "B's offer at A");
      const bPeer = within<{ id: string }>(b, 'peer', "A's answer at B");
      aPeer.catch(() => {});
      bPeer.catch(() => {});
      const bUpdate = within<{ incomplete: number }>(b, 'update', "B's announce reply");
      b.start();
      const ub = await bUpdate;
      const open = perWorker(svc);
      if (open[0] !== 1 || open[1] !== 1) continue;
      // Apart: one worker holds A's connection, the other B's.
      assert.equal(ub.incomplete, 2, 'B is counted with A, who announced on the other worker');
      assert.equal((await aPeer).id, hex20(`-WW0208-b${pair}`), "A got B's offer");
      assert.equal((await bPeer).id, hex20(`-WW0208-a${pair}`), "B got A's answer");
      a.scrape();
      const sa = await within<{ incomplete: number }>(a, 'scrape', "A's scrape");
      assert.equal(sa.incomplete, 2);
      assert.equal(svc.wsSwarms?.peers, 2);
      assert.match((await svc.metrics?.prometheus()) ?? '', /^trakx_ws_peers 2$/m);
      b.destroy();
      await until(() => svc.wsSwarms?.peers === 1);
      assert.equal(svc.wsSwarms?.peers, 1, "B's close removed its peer from the hub");
      assert.deepEqual(warnings, []);
      return;
    } finally {
      a.destroy();
      b.destroy();
      await until(() => perWorker(svc).every((n) => n === 0));
    }
  }
  assert.fail(`no pair of clients landed on different workers in ${MAX_PAIRS} tries`);
});
