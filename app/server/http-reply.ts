// Tracker replies are always HTTP 200 with a bencoded body (failures included, as
// clients only read `failure reason` from a 200), typed text/plain.

import type { FastifyReply } from 'fastify';

export function bencodedReply(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.code(200).header('content-type', 'text/plain').send(body);
}
