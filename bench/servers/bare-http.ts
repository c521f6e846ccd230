// The bare node:http ceiling: every request gets the same valid compact announce reply.
//   node bare-http.js   → prints {"ready":true,"httpPort":N}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, exitOnSignal, httpAnnounceBody } from './fixed-replies.ts';

const body = httpAnnounceBody();
const headers = { 'content-type': 'text/plain', 'content-length': String(body.length) };

const server = http.createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  announceReady({ httpPort: (server.address() as AddressInfo).port });
});
exitOnSignal(() => server.close());
