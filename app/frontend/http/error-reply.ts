// Whether node:http's connection may still get an error reply (400, 408, 431) when its
// parser fails or times out. Some errors come after the request's head was parsed and
// handed to a route (an invalid Transfer-Encoding, a bad chunk in its body), which may
// have answered already: an error reply then is a second reply to one request, or lands
// where a pipelining client expects an earlier request's reply. Such a connection is only
// closed. Node's own default checks the reply in flight the same way, less strictly.

import type { Socket } from 'node:net';

/** What node:http keeps on its server sockets (internal, stable since Node 15). */
interface HttpSocket {
  /** The reply being written, of the oldest request not yet answered in full. */
  _httpMessage?: { req?: unknown; headersSent: boolean } | null;
  /** The request the parser read last (its head at least): complete once its body is. */
  parser?: { incoming?: { complete: boolean } | null } | null;
}

export function mayReplyError(socket: Socket): boolean {
  const { _httpMessage: res, parser } = socket as unknown as HttpSocket;
  const req = parser?.incoming;
  // A reply under way: only if it is the failing request's own and nothing of it is out.
  if (res) return !!req && res.req === req && !req.complete && !res.headersSent;
  // None: unless the failing request was handed over mid-body (its reply is done).
  return !req || req.complete;
}
