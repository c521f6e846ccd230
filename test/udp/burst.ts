// Many UDP senders at once: each opens its own socket and connects, then all announce
// before any reply is read, so a tracker on batch I/O reads them many per call. Checks
// that every sender gets a reply carrying its own transaction id.

import assert from 'node:assert/strict';
import { UdpClient } from './client.ts';
import { announcePacket, decodeAnnounceReply, hash20 } from './packets.ts';

export async function announceBurst(
  port: number,
  host: string,
  senders: number,
  label: string,
): Promise<void> {
  const clients = await Promise.all(Array.from({ length: senders }, () => UdpClient.open(host)));
  try {
    const ids = await Promise.all(clients.map((c) => c.connect(port)));
    const replies = await Promise.all(
      clients.map((c, i) =>
        c.request(
          announcePacket({
            connId: ids[i],
            txid: 1000 + i,
            infoHash: hash20(`${label}-${i % 5}`),
            port: 7000 + i,
          }),
          port,
        ),
      ),
    );
    replies.forEach((r, i) => {
      assert.ok(r, `sender ${i} got no reply`);
      assert.equal(decodeAnnounceReply(r, host.includes(':') ? 6 : 4).txid, 1000 + i);
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
