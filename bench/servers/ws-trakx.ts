// trakx's WebSocket tracker (app/frontend/ws) on a bare node:http server, for the WebSocket bench.
// No per-IP cap: every bench connection comes from 127.0.0.1.
//   node ws-trakx.js   → prints {"ready":true,"httpPort":N}

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WsTracker } from '../../app/frontend/ws/ws-tracker.ts';
import { announceReady, exitOnSignal, gcOnSignal } from './fixed-replies.ts';

const server = createServer((_req, res) => res.end());
const tracker = new WsTracker({ maxConnectionsPerIp: 0, maxConnections: 20000 });
tracker.attach(server);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
announceReady({ httpPort: (server.address() as AddressInfo).port });
exitOnSignal(() => tracker.close());
gcOnSignal();
