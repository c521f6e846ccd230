// bittorrent-tracker's own WebSocket server (as webtorrent's public trackers run it): only
// its WebSocket tracker, on its own node:http server, for the WebSocket bench.
//   node ws-bittorrent-tracker.js   → prints {"ready":true,"httpPort":N}

import type { AddressInfo } from 'node:net';
import Server from 'bittorrent-tracker/server';
import { announceReady, exitOnSignal, gcOnSignal } from './fixed-replies.ts';

const server = new Server({ udp: false, http: false, ws: true, stats: false });
server.on('warning', () => {});
server.on('error', (err: Error) => process.stderr.write(`bittorrent-tracker: ${err.message}\n`));
server.listen(0, '127.0.0.1', () => {
  announceReady({ httpPort: (server.http.address() as AddressInfo).port });
});
exitOnSignal(() => server.close());
gcOnSignal();
