// The abuse limits over UDP, on real sockets: the per-address announce rate limit (and
// that forged connection ids cannot spend a victim's tokens), the per-IP peer cap and
// the deny list, each answered with an error packet carrying the same words as HTTP.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempHome } from '../helpers/process.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeError, describe } from '../udp/packets.ts';
import { limitHits } from './announce.ts';

async function udpAnnounce(c: UdpClient, port: number, hash: Buffer, peerPort: number): Promise<Buffer> {
  const id = await c.connect(port);
  const reply = await c.request(announcePacket({ connId: id, infoHash: hash, port: peerPort }), port);
  assert.ok(reply, 'answered');
  return reply;
}

function refusal(reply: Buffer): string | undefined {
  return reply.readUInt32BE(0) === 3 ? decodeError(reply).message : undefined;
}

test('UDP announce rate limit: refused with an error packet, recovers, forged ids spend nothing', async () => {
  const rate = 4;
  const svc = await startTestService({
    host: '127.0.0.1',
    env: { TRAKX_LIMITS_ANNOUNCERATE: String(rate), TRAKX_LIMITS_ANNOUNCEBURST: '4' },
  });
  const c = await UdpClient.open('127.0.0.1');
  try {
    const h = randomBytes(20);
    // A flood of fully valid announces from this address under forged ids first.
    for (let i = 0; i < 200; i++)
      c.send(announcePacket({ connId: randomBytes(8), infoHash: h, port: 9000 + i }), svc.udpPort);
    const forged = await c.drain(200);
    assert.equal(forged.length, 200);
    for (const f of forged) assert.match(refusal(f) ?? describe(f), /^bad conn/);
    // The whole burst is still there.
    for (let i = 0; i < 4; i++) {
      const r = await udpAnnounce(c, svc.udpPort, h, 7000 + i);
      assert.equal(r.readUInt32BE(0), 1, `announce ${i}: ${describe(r)}`);
    }
    const over = await udpAnnounce(c, svc.udpPort, h, 7010);
    assert.match(refusal(over) ?? describe(over), /too many announces/);
    assert.equal(svc.store.totals().leechers4, 4, 'the refused announce stored nothing');
    await new Promise((r) => setTimeout(r, (2 * 1000) / rate + 50));
    assert.equal((await udpAnnounce(c, svc.udpPort, h, 7010)).readUInt32BE(0), 1, 'recovered');
    assert.ok((await limitHits(svc)).rate! >= 1);
  } finally {
    await c.close();
    await svc.close();
  }
});

test('UDP: peersPerIp and the deny list refuse with the same words as HTTP, storing nothing', async () => {
  const dir = tempHome();
  const list = join(dir, 'deny.txt');
  const denied = randomBytes(20);
  writeFileSync(list, `${denied.toString('hex')}\n`);
  const svc = await startTestService({ env: { TRAKX_LIMITS_PEERSPERIP: '2', TRAKX_LIMITS_DENYLIST: list } });
  const clients = [await UdpClient.open('127.0.0.1'), await UdpClient.open('::1')];
  try {
    for (const c of clients) {
      const h = randomBytes(20);
      for (const p of [1, 2]) assert.equal((await udpAnnounce(c, svc.udpPort, h, p)).readUInt32BE(0), 1);
      const r = await udpAnnounce(c, svc.udpPort, h, 3);
      assert.match(refusal(r) ?? describe(r), /too many peers from your address/);
      const d = await udpAnnounce(c, svc.udpPort, denied, 1);
      assert.match(refusal(d) ?? describe(d), /blocked/);
    }
    const t = svc.store.totals();
    assert.equal(t.torrents, 2);
    assert.equal(t.leechers4 + t.leechers6, 4);
    const hits = await limitHits(svc);
    assert.equal(hits.peers_per_ip, 2);
    assert.equal(hits.denied, 2);
  } finally {
    for (const c of clients) await c.close();
    await svc.close();
  }
});
