// The bare Fastify ceiling: GET /announce answers the same valid compact announce reply,
// with the settings trakx's own Fastify app uses (no request logging, no query parsing).
//   node bare-fastify.js   → prints {"ready":true,"httpPort":N}

import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { announceReady, exitOnSignal, httpAnnounceBody } from './fixed-replies.ts';

const body = httpAnnounceBody();
const app = Fastify({ logger: false, routerOptions: { querystringParser: () => ({}) } });
app.get('/announce', (_req, reply) => {
  reply.code(200).header('content-type', 'text/plain').send(body);
});
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
announceReady({ httpPort: (app.server.address() as AddressInfo).port });
exitOnSignal(() => void app.close());
