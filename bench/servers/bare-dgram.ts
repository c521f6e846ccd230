// The bare node:dgram ceiling: reads the action, copies the transaction id into a
// preallocated valid reply and sends it. No state, no parsing beyond that, so its
// figure is the most any Node UDP tracker can reach on this machine.
//   node bare-dgram.js   → prints {"ready":true,"udpPort":N}

import dgram from 'node:dgram';
import {
  announceReady,
  exitOnSignal,
  udpAnnounceReply,
  udpConnectReply,
  udpScrapeReply,
} from './fixed-replies.ts';

const connect = udpConnectReply();
const announce = udpAnnounceReply();
const scrape = udpScrapeReply();

// Same socket buffers as trakx's default udp.bufferSize (the kernel caps them at rmem_max).
const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 22, sendBufferSize: 1 << 22 });
socket.on('message', (msg, rinfo) => {
  if (msg.length < 16) return;
  const action = msg.readUInt32BE(8);
  let reply: Buffer;
  let len: number;
  if (action === 0) {
    reply = connect;
    len = 16;
  } else if (action === 1) {
    reply = announce;
    len = announce.length;
  } else if (action === 2) {
    const hashes = Math.min(74, (msg.length - 16) / 20) | 0;
    reply = scrape;
    len = 8 + 12 * hashes;
  } else {
    return;
  }
  msg.copy(reply, 4, 12, 16);
  socket.send(reply, 0, len, rinfo.port, rinfo.address);
});
socket.bind(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  announceReady({ udpPort: socket.address().port });
});
exitOnSignal(() => socket.close());
