// udp.io: the native batch module (native/udp-batch.c, built by `npm run build`) is what
// `auto` serves with where it is built, node:dgram where asked or where it is missing;
// `batch` without the module stops start-up naming the key. Many datagrams from many
// senders in one read get each its own reply. Under CI the module must be built: the
// suites would otherwise pass on node:dgram alone and never test the default path.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { UdpFrontend } from '../../app/frontend/udp/frontend.ts';
import { loadUdpBatch, udpBatchMissing } from '../../app/runtime/udp-batch.ts';
import type { Service } from '../../app/service.ts';
import { BUNDLE, ensureBuilt, ROOT, startTrakx, tempHome, trakxEnv } from '../helpers/process.ts';
import { inCI } from '../helpers/required-tool.ts';
import { startTestService } from '../helpers/service.ts';
import { announceBurst } from './burst.ts';
import { UdpClient } from './client.ts';
import { announcePacket, decodeAnnounceReply, hash20 } from './packets.ts';

ensureBuilt();
const binding = loadUdpBatch();
const missing = binding === null ? `the batch module is not built: ${udpBatchMissing()}` : false;

function udpFrontend(svc: Service): UdpFrontend {
  return svc.frontends.find((f) => f.name === 'udp') as UdpFrontend;
}

test('the batch module is built and loads (required under CI)', { skip: inCI ? false : missing }, () => {
  assert.notEqual(binding, null, udpBatchMissing());
  assert.equal(typeof binding?.open, 'function');
});

describe('udp.io', () => {
  const services: Service[] = [];
  after(() => Promise.all(services.map((s) => s.close())));

  test('auto serves with the batch module; dgram when asked', { skip: missing }, async () => {
    for (const [io, expected] of [
      ['auto', 'batch'],
      ['batch', 'batch'],
      ['dgram', 'dgram'],
    ] as const) {
      const svc = await startTestService({ env: { TRAKX_UDP_IO: io, TRAKX_WORKERS: '1' } });
      services.push(svc);
      assert.equal(udpFrontend(svc).io, expected, `udp.io ${io}`);
      const c = await UdpClient.open('127.0.0.1');
      try {
        const id = await c.connect(svc.udpPort);
        const r = await c.request(
          announcePacket({ connId: id, txid: 7, infoHash: hash20(io), port: 6881 }),
          svc.udpPort,
        );
        assert.ok(r, `no announce reply with udp.io ${io}`);
        assert.equal(decodeAnnounceReply(r, 4).txid, 7);
      } finally {
        await c.close();
      }
    }
  });

  test('200 senders in one burst: each gets its own reply, IPv4 and IPv6', { skip: missing }, async () => {
    const svc = await startTestService({ env: { TRAKX_UDP_IO: 'batch', TRAKX_WORKERS: '1' } });
    services.push(svc);
    for (const host of ['127.0.0.1', '::1']) await announceBurst(svc.udpPort, host, 100, `burst-${host}`);
  });

  test('udp.io batch without the module stops start-up naming udp.io', async () => {
    // The bundle alone, without udp-batch.node beside it; node_modules still resolve.
    const dir = mkdtempSync(join(tmpdir(), 'trakx-nobatch-'));
    try {
      mkdirSync(join(dir, 'dist'));
      copyFileSync(BUNDLE, join(dir, 'dist', 'trakx.js'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      // UDP alone: the static pages the HTTP tracker serves are not beside this copy either.
      const env = trakxEnv(tempHome(), { TRAKX_UDP_IO: 'batch', TRAKX_HTTP_ENABLED: 'false' });
      const run = startTrakx(['run'], env, join(dir, 'dist', 'trakx.js'));
      const { code } = await run.exitWithin(15_000);
      assert.equal(code, 2, run.output());
      assert.match(run.output(), /udp\.io/);
      assert.match(run.output(), /batch I\/O is not available/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
