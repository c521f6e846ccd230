// 10,000 random and mutated datagrams (seeded, so a failure replays) at a real UDP
// socket: the tracker must not crash, must answer every packet of 16 bytes or more
// exactly once and never with more bytes than an unverified sender sent (except the
// 16-byte connect reply), and must leave every swarm exactly as it was. The mutated
// packets carry a VALID connection id, so they reach the parsers behind the id check;
// each mutation is one that must not store anything (short announce, port 0, bad
// event, flipped id or action bits, garbage options, scrapes of any size, unknown
// actions). A good announce must still work afterwards.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { get, pct } from '../helpers/http-client.ts';
import { prng } from '../helpers/prng.ts';
import { startTestService } from '../helpers/service.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { UdpClient } from './client.ts';
import { announcePacket, connectPacket, decodeAnnounceReply, hash20, scrapePacket } from './packets.ts';

let svc: Service;
before(async () => {
  svc = await startTestService();
  // Swarms to protect: UDP peers of both families, HTTP peers, seeders, a completion.
  for (const host of ['127.0.0.1', '::1']) {
    const c = await UdpClient.open(host);
    const id = await c.connect(svc.udpPort);
    for (let i = 0; i < 20; i++) {
      const p = announcePacket({
        connId: id,
        infoHash: hash20(`keep-${i % 4}`),
        port: 30000 + i,
        left: i % 3 === 0 ? 0n : 10n,
        event: i === 5 ? 1 : 2,
      });
      assert.ok(await c.request(p, svc.udpPort));
    }
    await c.close();
    const r = await get(
      host,
      svc.httpPort,
      `/announce?info_hash=${pct(hash20('keep-0'))}&peer_id=-HT0001-aaaaaaaaaaaa&port=31000&uploaded=0&downloaded=0&left=5`,
    );
    assert.equal(r.status, 200);
  }
});
after(() => svc.close());

/** Build one datagram; `id` is a valid connection id for the sending socket. */
function datagram(rnd: () => number, id: Buffer, index: number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const txid = (b: Buffer) => {
    if (b.length >= 16) b.writeUInt32BE(index, 12);
    return b;
  };
  const announce = () =>
    announcePacket({
      connId: id,
      infoHash: int(4) === 0 ? hash20(`keep-${int(4)}`) : bytes(20),
      peerId: bytes(20),
      downloaded: BigInt(int(2 ** 31)),
      left: BigInt(int(3)),
      uploaded: BigInt(int(2 ** 31)),
      event: int(4),
      ip: int(2 ** 32),
      key: int(2 ** 32),
      numWant: int(400) - 100,
      port: 1 + int(65535),
      options: bytes(int(4) === 0 ? int(300) : 0),
    });

  if (rnd() < 0.4) {
    // Random bytes, any length 0–1500; a quarter get a known action so the id check runs.
    const b = bytes(int(1501));
    if (b.length >= 12 && int(4) === 0) b.writeUInt32BE(int(5), 8);
    return txid(b);
  }
  switch (int(8)) {
    case 0: // announce cut short
      return txid(announce().subarray(0, 16 + int(82)));
    case 1: {
      // port 0, garbage options after byte 98
      const b = Buffer.concat([announce().subarray(0, 98), bytes(int(600))]);
      b.writeUInt16BE(0, 96);
      return txid(b);
    }
    case 2: {
      const b = announce();
      b.writeUInt32BE(5 + int(2 ** 32 - 5), 80);
      return txid(b);
    }
    case 3: {
      // one flipped bit in the connection id or the action
      const b = announce();
      const bit = int(96);
      b[bit >> 3] ^= 1 << (bit & 7);
      return txid(b);
    }
    case 4: {
      // a scrape of 0–100 hashes, maybe with a partial one, maybe of kept torrents
      const hashes = Array.from({ length: int(101) }, () =>
        int(3) === 0 ? hash20(`keep-${int(4)}`) : bytes(20),
      );
      return txid(Buffer.concat([scrapePacket(id, 0, hashes), bytes(int(3) === 0 ? 1 + int(19) : 0)]));
    }
    case 5: {
      // connect with a damaged magic or trailing bytes
      const b = Buffer.concat([connectPacket(0), bytes(int(3) === 0 ? int(200) : 0)]);
      if (int(2) === 0) b[int(8)] ^= 1 + int(255);
      return txid(b);
    }
    case 6: {
      // an unknown action with a valid id and any body
      const b = Buffer.concat([id, Buffer.alloc(8), bytes(int(200))]);
      b.writeUInt32BE(5 + int(2 ** 32 - 5), 8);
      return txid(b);
    }
    default: {
      // random bytes after a valid id and the announce action, then cut short
      const b = Buffer.concat([id, Buffer.alloc(8), bytes(int(82))]);
      b.writeUInt32BE(1, 8);
      return txid(b);
    }
  }
}

async function fuzz(host: string, count: number, seed: number): Promise<void> {
  const before = dumpStore(svc.store);
  const c = await UdpClient.open(host);
  try {
    const id = await c.connect(svc.udpPort);
    const rnd = prng(seed);
    const batch = 100;
    let replies = 0;
    for (let start = 0; start < count; start += batch) {
      const sent = new Map<number, Buffer>();
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const d = datagram(rnd, id, i);
        if (d.length >= 16) sent.set(i, d);
        c.send(d, svc.udpPort);
      }
      // A marker: its reply comes after every reply of this batch (one socket, in order).
      const marker = 0xf0000000 + start;
      c.send(scrapePacket(id, marker, [hash20('marker')]), svc.udpPort);
      const answered = new Set<number>();
      let heartbeats = 0;
      for (;;) {
        const r = await c.next(5000);
        assert.ok(r, `batch ${start}: the tracker stopped answering`);
        if (r.length === 1) {
          assert.equal(r[0], 0xff);
          heartbeats++;
          continue;
        }
        assert.ok(r.length >= 8, `a reply of ${r.length} bytes`);
        const tx = r.readUInt32BE(4);
        if (tx === marker) break;
        const req = sent.get(tx);
        assert.ok(req, `reply to packet ${tx}, which was not sent in this batch or was too short`);
        assert.ok(!answered.has(tx), `packet ${tx} answered twice`);
        answered.add(tx);
        const action = r.readUInt32BE(0);
        assert.ok(action === 0 || action === 2 || action === 3, `packet ${tx}: action ${action}`);
        const verified = req.subarray(0, 8).equals(id) && req.readUInt32BE(8) !== 0;
        if (!verified && !(action === 0 && r.length === 16)) {
          assert.ok(r.length <= req.length, `packet ${tx}: ${r.length}-byte reply to ${req.length} bytes`);
        }
      }
      assert.equal(
        answered.size + heartbeats,
        sent.size,
        `batch ${start}: every packet ≥ 16 bytes answered once`,
      );
      replies += answered.size + heartbeats;
    }
    assert.ok(replies > count / 2);
    assert.deepEqual(dumpStore(svc.store), before, 'no swarm changed');
    // Still serving: a good announce works.
    const fresh = await c.connect(svc.udpPort);
    const r = await c.request(
      announcePacket({ connId: fresh, infoHash: hash20(`after-fuzz-${host}`), port: 4242 }),
      svc.udpPort,
    );
    assert.equal(decodeAnnounceReply(r!, host.includes(':') ? 6 : 4).leechers, 1);
  } finally {
    await c.close();
  }
}

test('10,000 datagrams from 127.0.0.1', () => fuzz('127.0.0.1', 10_000, 0x5eed));
test('2,000 datagrams from ::1', () => fuzz('::1', 2_000, 0xbeef));
