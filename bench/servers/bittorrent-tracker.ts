// bittorrent-tracker (npm, webtorrent) as a reference: its own Server with HTTP and UDP
// only — no WebSocket, no /stats — on 127.0.0.1 (UDP over IPv4 only, like the others).
//   node bittorrent-tracker.js   → prints {"ready":true,"udpPort":N,"httpPort":M}

import type { AddressInfo } from 'node:net';
import Server from 'bittorrent-tracker/server';
import { announceReady, exitOnSignal } from './fixed-replies.ts';

const server = new Server({
  http: true,
  // Same socket buffers as every Node target here.
  udp: { recvBufferSize: 1 << 22, sendBufferSize: 1 << 22 },
  ws: false,
  stats: false,
});
// Malformed requests surface as 'warning'; nothing here should ever stop the process.
server.on('warning', () => {});
server.on('error', (err: Error) => process.stderr.write(`bittorrent-tracker: ${err.message}\n`));
// No IPv6 socket: bind it to loopback so it does not take a public port.
server.listen({ http: 0, udp: 0 }, { http: '127.0.0.1', udp: '127.0.0.1', udp6: '::1' }, () => {
  announceReady({
    udpPort: (server.udp4.address() as AddressInfo).port,
    httpPort: (server.http.address() as AddressInfo).port,
  });
});
exitOnSignal(() => server.close());
