// The shape every tracker route shares: run the handler, turn a Failure into a bencoded
// `failure reason`, an exception into `internal error` (logged, never shown), report the
// request to the observer, and answer HTTP 200 text/plain (clients read `failure
// reason` only from a 200). No HEAD twin: a HEAD must not store a peer.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { encodeFailure } from '../protocol/bencode.ts';
import type { Failure } from '../tracker/failures.ts';
import {
  type Action,
  PROTO_HTTP,
  RESULT_CLIENT_ERROR,
  RESULT_OK,
  RESULT_SERVER_ERROR,
  type RequestObserver,
  type Result,
} from './observer.ts';

const INTERNAL_ERROR = encodeFailure('internal error');

export function trackerRoute(
  app: FastifyInstance,
  path: string,
  action: Action,
  observer: RequestObserver,
  logger: Logger,
  handle: (request: FastifyRequest) => Buffer | Failure,
): void {
  app.get(path, { exposeHeadRoute: false }, (request, reply) => {
    const start = performance.now();
    let body: Buffer;
    let result: Result = RESULT_OK;
    try {
      const out = handle(request);
      if (Buffer.isBuffer(out)) body = out;
      else {
        body = encodeFailure(out.reason, out.never);
        result = RESULT_CLIENT_ERROR;
      }
    } catch (err) {
      logger.error({ err }, `${path} failed`);
      body = INTERNAL_ERROR;
      result = RESULT_SERVER_ERROR;
    }
    observer.request(PROTO_HTTP, action, result, start);
    observer.bytes(PROTO_HTTP, request.url.length, body.length);
    return reply.code(200).header('content-type', 'text/plain').send(body);
  });
}
