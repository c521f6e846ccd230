// A tracker reached from outside its container, as a client would: /heartbeat, an HTTP
// announce (what address the tracker recorded, in `external ip`), and a UDP connect +
// announce, on given host ports; and whether a host port is free for a stack to bind.

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { announcePath, peers4, peers6, trackerReply } from '../http/util.ts';
import { UdpClient } from '../udp/client.ts';
import { type AnnounceReply, announcePacket, decodeAnnounceReply } from '../udp/packets.ts';

export async function heartbeat(host: string, port: number): Promise<boolean> {
  return get(host, port, '/heartbeat').then(
    (r) => r.status === 200,
    () => false,
  );
}

/** The address the tracker recorded for an HTTP announce from `host`, and the peers it listed. */
export async function httpAnnounce(
  host: string,
  port: number,
  hash: Buffer,
  peer: number,
): Promise<{ externalIp: string; peers: string[] }> {
  const d = trackerReply(await get(host, port, announcePath({ hash, id: peerId(peer), port: 6000 + peer })));
  assert.equal(d['failure reason'], undefined, String(d['failure reason']));
  const ip = d['external ip'] as Buffer;
  const externalIp = ip.length === 4 ? [...ip].join('.') : ip.toString('hex');
  return {
    externalIp,
    peers: [...peers4(d.peers ?? Buffer.alloc(0)), ...peers6(d.peers6 ?? Buffer.alloc(0))],
  };
}

/**
 * BEP 15 connect then announce from `host`; the tracker's reply. The connect may go to
 * another instance (`connectPort`), as it does behind DNS round robin.
 */
export async function udpAnnounce(
  host: string,
  port: number,
  hash: Buffer,
  peer: number,
  connectPort = port,
): Promise<AnnounceReply> {
  const udp = await UdpClient.open(host);
  try {
    const connId = await udp.connect(connectPort);
    const reply = await udp.request(
      announcePacket({ connId, infoHash: hash, event: 2, port: 6000 + peer, peerId: peerId(peer) }),
      port,
      3000,
    );
    assert.ok(reply, 'UDP announce answered');
    return decodeAnnounceReply(reply, host.includes(':') ? 6 : 4);
  } finally {
    await udp.close();
  }
}

/** A stack binds fixed host ports; a clear failure if something else holds one. */
export async function assertFree(port: number, proto: 'tcp' | 'udp'): Promise<void> {
  const busy = await new Promise<boolean>((ok) => {
    if (proto === 'tcp') {
      const s = createServer();
      s.once('error', () => ok(true));
      s.listen(port, '::', () => s.close(() => ok(false)));
    } else {
      const s = createSocket('udp6');
      s.once('error', () => ok(true));
      s.bind(port, '::', () => s.close(() => ok(false)));
    }
  });
  assert.ok(!busy, `port ${port}/${proto} is taken: the compose stack needs it`);
}
