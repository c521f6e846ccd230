// Two UDP trackers behind one name (DNS round-robin): a client connects to one and
// announces to the other. With the same udp.connections.secret the announce is served;
// with each instance's own random key it gets `bad connection id`.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from './client.ts';
import { announcePacket, decodeAnnounceReply, decodeError, hash20 } from './packets.ts';

const HOSTS = [
  { host: '127.0.0.1', family: 4 as const },
  { host: '::1', family: 6 as const },
];

async function pair(env: Record<string, string>): Promise<[Service, Service]> {
  const a = await startTestService({ env });
  try {
    return [a, await startTestService({ env })];
  } catch (err) {
    await a.close();
    throw err;
  }
}

describe('instances sharing udp.connections.secret', () => {
  let a: Service;
  let b: Service;
  before(async () => {
    [a, b] = await pair({ TRAKX_UDP_CONNECTIONS_SECRET: '0f1e2d3c4b5a69788796a5b4c3d2e1f0' });
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  for (const { host, family } of HOSTS) {
    test(`from ${host}: connect to one, announce to the other, both ways`, async () => {
      const c = await UdpClient.open(host);
      try {
        for (const [from, to, txid] of [[a, b, 1] as const, [b, a, 2] as const]) {
          const id = await c.connect(from.udpPort);
          const raw = await c.request(
            announcePacket({ connId: id, txid, infoHash: hash20(`shared-${family}`), port: 7000 + txid }),
            to.udpPort,
          );
          assert.ok(raw, 'no reply');
          assert.equal(raw.readUInt32BE(0), 1, `not an announce reply: ${raw.subarray(8).toString()}`);
          const reply = decodeAnnounceReply(raw, family);
          assert.equal(reply.txid, txid);
          assert.equal(reply.leechers, 1);
        }
      } finally {
        await c.close();
      }
    });
  }
});

describe('instances with their own random secrets', () => {
  let a: Service;
  let b: Service;
  before(async () => {
    [a, b] = await pair({});
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  for (const { host, family } of HOSTS) {
    test(`from ${host}: an id of one is a bad connection id at the other`, async () => {
      const c = await UdpClient.open(host);
      try {
        const id = await c.connect(a.udpPort);
        const packet = announcePacket({ connId: id, txid: 9, infoHash: hash20(`own-${family}`) });
        const raw = await c.request(packet, b.udpPort);
        assert.ok(raw, 'no reply');
        assert.equal(raw.readUInt32BE(0), 3);
        assert.deepEqual(decodeError(raw), { txid: 9, message: 'bad connection id' });
        // The issuer itself still accepts it.
        const own = await c.request(packet, a.udpPort);
        assert.equal(own?.readUInt32BE(0), 1);
      } finally {
        await c.close();
      }
    });
  }
});
