// GET /announce: raw query → AnnounceRequest → Tracker → bencoded reply (text/plain).

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AnnounceEncoder } from '../protocol/announce-response.ts';
import { parseUint, type QueryReader } from '../protocol/query.ts';
import type { Failure } from '../tracker/failures.ts';
import {
  type AnnounceEvent,
  AnnounceRequest,
  AnnounceResult,
  EVENT_COMPLETED,
  EVENT_INVALID,
  EVENT_NONE,
  EVENT_PAUSED,
  EVENT_STARTED,
  EVENT_STOPPED,
  INVALID,
  MISSING,
} from '../tracker/request.ts';
import { BOTH_FAMILIES, type Tracker } from '../tracker/tracker.ts';
import type { ClientAddress } from './client-address.ts';
import { ACTION_ANNOUNCE, type RequestObserver } from './observer.ts';
import { trackerRoute } from './tracker-route.ts';

export interface HttpTrackerDeps {
  logger: Logger;
  tracker: Tracker;
  query: QueryReader;
  clients: ClientAddress;
  observer: RequestObserver;
  numwantLimit: number;
  maxScrapeHashes: number;
}

const FAIL_ADDRESS: Failure = { reason: 'cannot tell the client address', never: true };
const FAIL_QUERY = (why: string): Failure => ({ reason: `malformed query: ${why}`, never: true });

function event(text: string): AnnounceEvent {
  switch (text) {
    case '':
      return EVENT_NONE;
    case 'started':
      return EVENT_STARTED;
    case 'completed':
      return EVENT_COMPLETED;
    case 'stopped':
      return EVENT_STOPPED;
    case 'paused':
      return EVENT_PAUSED;
    default:
      return EVENT_INVALID;
  }
}

function num(q: QueryReader, key: string): number {
  const i = q.indexOf(key);
  if (i < 0) return MISSING;
  const v = parseUint(q.str(i));
  return v < 0 || !Number.isSafeInteger(v) ? INVALID : v;
}

export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

export function registerAnnounce(app: FastifyInstance, deps: HttpTrackerDeps): void {
  const { tracker, query: q, clients, observer } = deps;
  const req = new AnnounceRequest();
  const res = new AnnounceResult();
  const encoder = new AnnounceEncoder(deps.numwantLimit);

  trackerRoute(app, '/announce', ACTION_ANNOUNCE, observer, deps.logger, (request) => {
    const failure = parse(request.url, request.raw.socket, request.headers['x-forwarded-for']);
    if (failure) return failure;
    const i = q.indexOf('compact');
    const compact = i < 0 || q.str(i) !== '0';
    const j = q.indexOf('no_peer_id');
    const noPeerId = j >= 0 && q.str(j) === '1';
    encoder.begin(compact, noPeerId);
    const fail = tracker.announce(req, res, BOTH_FAMILIES, encoder);
    if (fail) return fail;
    observer.announce(req.event);
    return encoder.finish(res, req.addr, req.family === 4 ? 4 : 16);
  });

  function parse(url: string, socket: object, xff: string | string[] | undefined): Failure | null {
    if (!q.parse(rawQuery(url))) return FAIL_QUERY(q.error!);
    req.reset();
    const family = clients.resolve(socket, xff, req.addr);
    if (family === 0) return FAIL_ADDRESS;
    req.family = family;
    let i = q.indexOf('info_hash');
    if (i >= 0) {
      req.infoHash = q.bytes(i);
      req.hashLen = req.infoHash.length;
    }
    i = q.indexOf('peer_id');
    if (i >= 0) {
      req.peerId = q.bytes(i);
      req.idLen = req.peerId.length;
    }
    req.port = num(q, 'port');
    req.uploaded = num(q, 'uploaded');
    req.downloaded = num(q, 'downloaded');
    req.left = num(q, 'left');
    req.numwant = num(q, 'numwant');
    i = q.indexOf('event');
    req.event = i < 0 ? EVENT_NONE : event(q.str(i));
    return null;
  }
}
