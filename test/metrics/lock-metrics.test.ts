// The shared store lock's counters on /metrics: with two workers, every announce a
// worker answers takes the lock at least once, so the acquires exposed (the workers'
// totals copied into their slots, plus the main thread's) reach the announces sent; a
// replacement worker's totals go on from its predecessor's; one thread has no lock.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { REQUEST_SLOTS_BYTES, RequestSlots } from '../../app/metrics/request-slots.ts';
import type { Service } from '../../app/service.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, hash20 } from '../udp/packets.ts';

const SOCKETS = 16;
const PER_SOCKET = 8;

async function metric(svc: Service, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${svc.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exposed`);
  return Number(line.split(' ')[1]);
}

describe('store lock metrics with two workers', () => {
  let svc: Service;
  before(async () => {
    svc = await startTestService({ env: { TRAKX_WORKERS: '2' }, host: '127.0.0.1' });
  });
  after(() => svc.close());

  test('acquires cover every announce the workers answered', async () => {
    let sent = 0;
    for (let s = 0; s < SOCKETS; s++) {
      const c = await UdpClient.open('127.0.0.1');
      try {
        const connId = await c.connect(svc.udpPort);
        for (let i = 0; i < PER_SOCKET; i++) {
          const peerId = Buffer.from(`-TS0001-${String(s * PER_SOCKET + i).padStart(12, '0')}`);
          const reply = await c.request(
            announcePacket({ connId, infoHash: hash20(`lock-${i}`), peerId, port: 6000 + s }),
            svc.udpPort,
          );
          assert.ok(reply, 'announce answered');
          sent++;
        }
      } finally {
        await c.close();
      }
    }
    // Workers copy their totals once a second.
    await new Promise((r) => setTimeout(r, 1500));
    const acquires = await metric(svc, 'trakx_store_lock_acquires_total');
    assert.ok(acquires >= sent, `${acquires} acquires for ${sent} announces`);
    assert.ok((await metric(svc, 'trakx_store_lock_wait_seconds_total')) >= 0);
    assert.ok((await metric(svc, 'trakx_store_lock_held_seconds_total')) > 0);
  });
});

test("a replacement worker's lock totals go on from its predecessor's", () => {
  const buffer = new SharedArrayBuffer(REQUEST_SLOTS_BYTES);
  new RequestSlots(false, buffer).lockFrom({ acquires: 10, contended: 2, waitNs: 300, heldNs: 40 });
  const next = new RequestSlots(false, buffer);
  next.lockFrom({ acquires: 1, contended: 0, waitNs: 5, heldNs: 1 });
  assert.deepEqual([...next.lock], [11, 2, 305, 41]);
});

test('one thread exposes the lock counters at 0', async () => {
  const svc = await startTestService({ env: { TRAKX_WORKERS: '1' }, host: '127.0.0.1' });
  try {
    assert.equal(await metric(svc, 'trakx_store_lock_acquires_total'), 0);
    assert.equal(await metric(svc, 'trakx_store_lock_wait_seconds_total'), 0);
  } finally {
    await svc.close();
  }
});
