// The WebSocket tracker served by the real service (`trakx run`'s startService) on the HTTP
// port: raw clients and two bittorrent-tracker clients on 127.0.0.1 and ::1, plain GETs
// beside them, the tracker's deny list and interval, the trusted-proxy address for the
// per-IP cap, ws.enabled off, and a bad ws.* value stopping start-up.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WsFrontend } from '../../app/frontend/ws/frontend.ts';
import type { RtcSwarms } from '../../app/frontend/ws/swarms.ts';
import type { Service } from '../../app/service.ts';
import { tempHome } from '../helpers/process.ts';
import { noUdp, startTestService } from '../helpers/service.ts';
import { clientsExchange } from './clients-exchange.ts';
import { bin, RawClient, refusedStatus } from './harness.ts';

const DENIED = 'd'.repeat(20);

/** The WebRTC swarms: the main thread's hub with worker threads, else the ws frontend's. */
function swarmsOf(svc: Service): RtcSwarms {
  if (svc.pool !== undefined) {
    assert.ok(svc.wsSwarms, 'the main thread holds the WebRTC swarms');
    return svc.wsSwarms;
  }
  const swarms = wsOf(svc).tracker?.swarms;
  assert.ok(swarms);
  return swarms;
}

/** An open client, or the HTTP status that refused the upgrade. */
function tryOpen(url: string, forwardedFor: string): Promise<RawClient | number> {
  return new Promise((resolve) => {
    const c = new RawClient(url, { headers: { 'X-Forwarded-For': forwardedFor } });
    c.ws.once('open', () => resolve(c));
    c.ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      c.close();
    });
  });
}

function wsOf(svc: Service): WsFrontend {
  const f = svc.frontends.find((x) => x.name === 'ws');
  assert.ok(f, 'the ws frontend is started');
  return f as WsFrontend;
}

function plainGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

for (const host of ['127.0.0.1', '::1']) {
  describe(`trakx serves WebSocket announces on the HTTP port (${host})`, () => {
    let svc: Service;
    let url: string;
    let base: string;
    before(async () => {
      const list = join(tempHome(), 'deny.txt');
      writeFileSync(list, `${Buffer.from(DENIED, 'latin1').toString('hex')}\n`);
      svc = await startTestService({ host, tweak: noUdp, env: { TRAKX_LIMITS_DENYLIST: list } });
      const h = host.includes(':') ? `[${host}]` : host;
      url = `ws://${h}:${svc.httpPort}/announce`;
      base = `http://${h}:${svc.httpPort}`;
    });
    after(() => svc.close());

    test('a raw client announces and gets the tracker interval; plain GETs are unchanged', async () => {
      const c = await RawClient.open(url);
      const ih = 'a'.repeat(20);
      c.send({
        action: 'announce',
        info_hash: ih,
        peer_id: bin('p'),
        numwant: 5,
        uploaded: 0,
        downloaded: 0,
      });
      const reply = await c.next();
      assert.equal(reply.action, 'announce');
      assert.equal(reply.info_hash, ih);
      const { base: b, fuzz } = svc.config.announce;
      assert.ok(reply.interval >= b && reply.interval < b + Math.max(1, fuzz), `interval ${reply.interval}`);
      assert.equal(reply.incomplete, 1);
      assert.equal(swarmsOf(svc).peers, 1);
      c.close();

      const res = await plainGet(
        `${base}/announce?info_hash=${'%61'.repeat(20)}&peer_id=${'p'.repeat(20)}&port=6881`,
      );
      assert.equal(res.status, 200);
      assert.match(res.body, /^d8:complete/);
      assert.equal((await plainGet(`${base}/ws-nope`)).status, 404);
      assert.equal(await refusedStatus(`${url.replace('/announce', '/elsewhere')}`), 404);
    });

    test('the deny list refuses a WebSocket announce', async () => {
      const c = await RawClient.open(url);
      c.send({
        action: 'announce',
        info_hash: DENIED,
        peer_id: bin('q'),
        numwant: 5,
        uploaded: 0,
        downloaded: 0,
      });
      const reply = await c.next();
      assert.match(reply['failure reason'], /blocked/);
      c.close();
    });

    test('two bittorrent-tracker clients exchange offer and answer', { timeout: 20_000 }, async () => {
      await clientsExchange(url, swarmsOf(svc));
    });
  });
}

test('behind a trusted proxy the per-IP cap counts X-Forwarded-For addresses', async () => {
  const svc = await startTestService({
    host: '127.0.0.1',
    tweak: noUdp,
    env: { TRAKX_HTTP_TRUSTPROXY: '127.0.0.1', TRAKX_WS_MAXCONNECTIONSPERIP: '1' },
  });
  try {
    const url = `ws://127.0.0.1:${svc.httpPort}/announce`;
    // The cap is per worker thread (README): with N workers at most N connections of one
    // address are open, so one of the first N + 1 is refused.
    const workers = svc.pool === undefined ? 1 : svc.config.workers;
    const open: RawClient[] = [];
    let status = 0;
    for (let i = 0; i <= workers && status === 0; i++) {
      const got = await tryOpen(url, '198.51.100.1');
      if (typeof got === 'number') status = got;
      else open.push(got);
    }
    assert.equal(status, 429, 'a connection from 198.51.100.1 beyond the cap');
    assert.ok(open.length >= 1 && open.length <= workers, `${open.length} open from one address`);
    const b = await RawClient.open(url, { headers: { 'X-Forwarded-For': '198.51.100.2' } });
    for (const c of open) c.close();
    b.close();
  } finally {
    await svc.close();
  }
});

test('ws.enabled false: no WebSocket frontend, no upgrade served', async () => {
  const svc = await startTestService({ host: '127.0.0.1', tweak: noUdp, env: { TRAKX_WS_ENABLED: 'false' } });
  try {
    assert.equal(
      svc.frontends.find((f) => f.name === 'ws'),
      undefined,
    );
    await assert.rejects(RawClient.open(`ws://127.0.0.1:${svc.httpPort}/announce`));
  } finally {
    await svc.close();
  }
});

test('an invalid ws value stops start-up naming the key', async () => {
  await assert.rejects(startTestService({ tweak: noUdp, env: { TRAKX_WS_MAXOFFERS: '0' } }), /ws\.maxOffers/);
  await assert.rejects(
    startTestService({ tweak: noUdp, env: { TRAKX_WS_IDLETIMEOUT: 'soon' } }),
    /ws\.idleTimeout/,
  );
});
