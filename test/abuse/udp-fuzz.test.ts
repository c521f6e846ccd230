// UDP fuzz over real sockets: ≥ 100,000 random and mutated datagrams (connect, announce
// and scrape packets with valid, forged, flipped and other-address connection ids;
// random bytes of any length; unknown actions) from IPv4 and IPv6 clients against a real
// service. Invariants: no crash, no unhandled rejection; the swarms are unchanged — in
// particular, fully valid announces under a forged connection id never reach the store;
// every reply to a sender that has not shown a valid id is no larger than its request,
// except the 16-byte connect reply; good announces answered in between and afterwards.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { Rand } from '../helpers/prng.ts';
import { startTestService } from '../helpers/service.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, connectPacket, decodeAnnounceReply, scrapePacket } from '../udp/packets.ts';
import { ProcessWatch } from './fuzz.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x0dd5eed);
const PER_FAMILY = 51_000;
const BATCH = 250;

let svc: Service;
const watch = new ProcessWatch();
const kept: Buffer[] = [];
/** Announces that built the protected swarm, re-sent unchanged as the good traffic. */
const good = new Map<string, { client: UdpClient; packet: (id: Buffer) => Buffer }[]>();

before(async () => {
  svc = await startTestService();
  const r = new Rand(SEED ^ 0x1234);
  for (let i = 0; i < 6; i++) kept.push(r.bytes(20));
  for (const host of ['127.0.0.1', '::1']) {
    const list: { client: UdpClient; packet: (id: Buffer) => Buffer }[] = [];
    for (let p = 0; p < 3; p++) {
      const client = await UdpClient.open(host);
      const id = await client.connect(svc.udpPort);
      const peerId = r.bytes(20);
      for (let t = 0; t < kept.length; t++) {
        const packet = (connId: Buffer) =>
          announcePacket({ connId, infoHash: kept[t], peerId, port: 40000 + p, left: p === 0 ? 0n : 50n });
        const reply = await client.request(packet(id), svc.udpPort);
        assert.ok(reply && reply.readUInt32BE(0) === 1, 'seed announce answered');
        list.push({ client, packet });
      }
    }
    good.set(host, list);
  }
  watch.install();
});

after(async () => {
  watch.uninstall();
  for (const list of good.values()) for (const c of new Set(list.map((g) => g.client))) await c.close();
  await svc?.close();
});

interface Sent {
  packet: Buffer;
  /** The first 8 bytes are this socket's valid connection id. */
  verified: boolean;
  kind: string;
}

function flip(b: Buffer, r: Rand, bits: number): Buffer {
  const out = Buffer.from(b);
  const bit = r.int(bits);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

/** One datagram. `id` is valid for this socket, `foreign` for another address. */
function datagram(r: Rand, id: Buffer, foreign: Buffer): { packet: Buffer; kind: string } {
  const validAnnounce = (connId: Buffer) =>
    announcePacket({
      connId,
      infoHash: r.chance(0.3) ? r.pick(kept) : r.bytes(20),
      peerId: r.bytes(20),
      left: BigInt(r.int(3)),
      event: r.int(4),
      numWant: r.int(300) - 50,
      port: 1 + r.int(65535),
    });
  const roll = r.int(100);
  if (roll < 25) {
    const b = r.bytes(r.chance(0.2) ? r.int(16) : r.int(1501));
    if (b.length >= 12 && r.chance(0.5)) b.writeUInt32BE(r.int(6), 8);
    return { packet: b, kind: 'random' };
  }
  if (roll < 45) {
    // Fully valid announces, except for the connection id.
    const forged = r.pick([
      () => r.bytes(8),
      () => flip(id, r, 64),
      () => foreign,
      () => Buffer.alloc(8),
      () => Buffer.from([0, 0, 4, 0x17, 0x27, 0x10, 0x19, 0x80]),
    ])();
    const b = validAnnounce(forged);
    return { packet: r.chance(0.2) ? Buffer.concat([b, r.bytes(r.int(100))]) : b, kind: 'forged-announce' };
  }
  if (roll < 52) {
    const forged = r.chance(0.5) ? foreign : r.bytes(8);
    const hashes = Array.from({ length: 1 + r.int(74) }, () => (r.chance(0.5) ? r.pick(kept) : r.bytes(20)));
    return { packet: scrapePacket(forged, 0, hashes), kind: 'forged-scrape' };
  }
  if (roll < 67) {
    // Valid id, announce that must be refused: short, port 0, or an unknown event.
    const b = validAnnounce(id);
    switch (r.int(3)) {
      case 0:
        return { packet: b.subarray(0, 16 + r.int(82)), kind: 'short-announce' };
      case 1:
        b.writeUInt16BE(0, 96);
        return {
          packet: r.chance(0.3) ? Buffer.concat([b, r.bytes(r.int(300))]) : b,
          kind: 'port0-announce',
        };
      default:
        b.writeUInt32BE(5 + r.int(2 ** 32 - 5), 80);
        return { packet: b, kind: 'event-announce' };
    }
  }
  if (roll < 77) {
    // Valid scrapes of any size (never stored), some with a partial trailing hash.
    const n = r.chance(0.1) ? 75 + r.int(30) : r.int(75);
    const hashes = Array.from({ length: n }, () => (r.chance(0.5) ? r.pick(kept) : r.bytes(20)));
    const b = scrapePacket(id, 0, hashes);
    return { packet: r.chance(0.2) ? Buffer.concat([b, r.bytes(1 + r.int(19))]) : b, kind: 'scrape' };
  }
  if (roll < 90) {
    const b = connectPacket(0);
    switch (r.int(4)) {
      case 0:
        return { packet: b, kind: 'connect' };
      case 1:
        return { packet: Buffer.concat([b, r.bytes(1 + r.int(200))]), kind: 'connect-long' };
      case 2:
        return { packet: flip(b, r, 64), kind: 'connect-magic' };
      default:
        return { packet: b.subarray(0, r.int(16)), kind: 'connect-short' };
    }
  }
  // Any action with a valid or forged id and any body.
  const b = Buffer.concat([r.chance(0.5) ? id : r.bytes(8), Buffer.alloc(8), r.bytes(r.int(200))]);
  b.writeUInt32BE(r.chance(0.5) ? 3 + r.int(4) : r.int(2 ** 32), 8);
  return { packet: b, kind: 'action' };
}

async function fuzz(host: string, count: number, seed: number) {
  const r = new Rand(seed);
  const client = await UdpClient.open(host);
  // Ids are bound to the address, not the port: the foreign id comes from another one
  // (127.0.0.0/8 all reaches the host; ::1 is the only IPv6 loopback address).
  const other = await UdpClient.open(host === '127.0.0.1' ? '127.0.0.2' : '127.0.0.1');
  const port = svc.udpPort;
  const kinds = new Map<string, number>();
  let answered = 0;
  let expected = 0;
  let goodOk = 0;
  try {
    const id = await client.connect(port);
    const foreign = await other.connect(port);
    const goods = good.get(host)!;
    for (let start = 0; start < count; start += BATCH) {
      const sent = new Map<number, Sent>();
      const n = Math.min(BATCH, count - start);
      for (let i = 0; i < n; i++) {
        const { packet, kind } = datagram(r, id, foreign);
        const txid = start + i;
        if (packet.length >= 16) {
          packet.writeUInt32BE(txid, 12);
          sent.set(txid, { packet, verified: packet.subarray(0, 8).equals(id), kind });
          expected++;
        }
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        client.send(packet, port);
      }
      // Collect this batch's replies (the server answers in order, without delay).
      let got = 0;
      while (got < sent.size) {
        const reply = await client.next(500);
        if (reply === null) break;
        got++;
        if (reply.length === 1) continue; // heartbeat reply (action 4): 1 byte
        assert.ok(reply.length >= 8, `reply of ${reply.length} bytes`);
        const s = sent.get(reply.readUInt32BE(4));
        assert.ok(s, 'a reply matches a packet sent in this batch');
        if (!s.verified) {
          const connectReply = reply.length === 16 && reply.readUInt32BE(0) === 0;
          assert.ok(
            reply.length <= s.packet.length || connectReply,
            `amplification: ${reply.length}-byte reply to a ${s.packet.length}-byte ${s.kind} packet`,
          );
        }
        // Every announce here is refused by construction (forged id, or invalid with a valid one).
        if (reply.readUInt32BE(0) === 1)
          assert.fail(`an announce was accepted (${s.kind}, verified ${s.verified})`);
      }
      answered += got;
      // A good announce in between: the protected swarm, as it is.
      const g = goods[r.int(goods.length)];
      const gid = await g.client.connect(port);
      const reply = await g.client.request(g.packet(gid), port);
      assert.ok(reply, 'good announce answered during the fuzz');
      const decoded = decodeAnnounceReply(reply, host.includes(':') ? 6 : 4);
      assert.equal(decoded.seeders + decoded.leechers, 6, 'both families, 3 peers each');
      goodOk++;
    }
  } finally {
    await client.close();
    await other.close();
  }
  return { kinds, answered, expected, goodOk };
}

test(`UDP fuzz: ${2 * PER_FAMILY} random and mutated datagrams change nothing and amplify nothing`, async () => {
  const baseline = dumpStore(svc.store, { lastSeen: false });
  const totals = svc.store.totals();
  assert.equal(baseline.lines.length, kept.length * 7);
  const started = performance.now();
  const v4 = await fuzz('127.0.0.1', PER_FAMILY, SEED);
  const v6 = await fuzz('::1', PER_FAMILY, SEED + 1);
  const ms = performance.now() - started;

  const sent = [...v4.kinds.values(), ...v6.kinds.values()].reduce((a, b) => a + b, 0);
  assert.ok(sent >= 100_000, `${sent} datagrams`);
  const expected = v4.expected + v6.expected;
  const answered = v4.answered + v6.answered;
  // Every datagram of 16 bytes or more is answered; allow for a rare kernel drop.
  assert.ok(answered >= expected * 0.99, `${answered} replies to ${expected} answerable datagrams`);
  assert.deepEqual(watch.errors, [], 'no uncaught exception or unhandled rejection');
  assert.deepEqual(dumpStore(svc.store, { lastSeen: false }), baseline, 'the swarms are unchanged');
  assert.deepEqual(svc.store.totals(), totals);

  // Still serving: every good peer re-announces.
  for (const [host, list] of good) {
    for (const g of list) {
      const id = await g.client.connect(svc.udpPort);
      const reply = await g.client.request(g.packet(id), svc.udpPort);
      assert.ok(reply && decodeAnnounceReply(reply, host.includes(':') ? 6 : 4).seeders === 2);
    }
  }
  const kinds: Record<string, number> = {};
  for (const m of [v4.kinds, v6.kinds]) for (const [k, v] of m) kinds[k] = (kinds[k] ?? 0) + v;
  console.log(
    `# udp fuzz: ${sent} datagrams (${answered}/${expected} answered, ${v4.goodOk + v6.goodOk} good announces interleaved) ` +
      `in ${Math.round(ms)} ms; kinds ${JSON.stringify(kinds)}`,
  );
});
