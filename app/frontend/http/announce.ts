// GET /announce: raw query → AnnounceRequest → Tracker → bencoded reply (text/plain).

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
} from '../../bittorrent/announce.ts';
import { FAIL_QUERY, type Failure } from '../../bittorrent/failures.ts';
import { isLater } from '../../bittorrent/later.ts';
import { REQ_ANNOUNCE, type RequestObserver } from '../../bittorrent/observer.ts';
import { AnnounceEncoder } from '../../protocol/announce-response.ts';
import type { QueryReader } from '../../protocol/query.ts';
import type { Tracker } from '../../tracker/tracker.ts';
import type { ClientAddress } from '../client-address.ts';
import type { TrackerRoutes } from './routes.ts';

export interface HttpTrackerDeps {
  tracker: Tracker;
  query: QueryReader;
  clients: ClientAddress;
  observer: RequestObserver;
  numwantLimit: number;
  maxScrapeHashes: number;
}

const FAIL_ADDRESS: Failure = { reason: 'cannot tell the client address', never: true, retryIn: 0 };

function event(q: QueryReader, i: number): AnnounceEvent {
  if (q.length(i) === 0) return EVENT_NONE;
  if (q.is(i, 'started')) return EVENT_STARTED;
  if (q.is(i, 'completed')) return EVENT_COMPLETED;
  if (q.is(i, 'stopped')) return EVENT_STOPPED;
  if (q.is(i, 'paused')) return EVENT_PAUSED;
  return EVENT_INVALID;
}

function num(q: QueryReader, key: string): number {
  const i = q.indexOf(key);
  if (i < 0) return MISSING;
  const v = q.uint(i);
  return v < 0 || !Number.isSafeInteger(v) ? INVALID : v;
}

export function registerAnnounce(routes: TrackerRoutes, deps: HttpTrackerDeps): void {
  const { tracker, query: q, clients, observer } = deps;
  const req = new AnnounceRequest();
  let res = new AnnounceResult();
  let encoder = new AnnounceEncoder(deps.numwantLimit);

  routes.add('/announce', REQ_ANNOUNCE, (url, socket, xff) => {
    const failure = parse(url, socket, xff);
    if (failure) return failure;
    const i = q.indexOf('compact');
    const compact = i < 0 || !q.is(i, '0');
    const j = q.indexOf('no_peer_id');
    const noPeerId = j >= 0 && q.is(j, '1');
    encoder.begin(compact, noPeerId);
    const answer = tracker.announce(req, res, encoder);
    if (answer === null) {
      observer.announce(req.event);
      return encoder.finish(res, req.addr, req.family === 4 ? 4 : 16);
    }
    if (!isLater(answer)) return answer;
    // Answered later: this request keeps its result and encoder, the next ones get new.
    const mine = { res, encoder, event: req.event, ip: req.addr.slice(0, req.family === 4 ? 4 : 16) };
    res = new AnnounceResult();
    encoder = new AnnounceEncoder(deps.numwantLimit);
    return answer.then((fail) => {
      if (fail !== null) return fail;
      observer.announce(mine.event);
      return mine.encoder.finish(mine.res, mine.ip, mine.ip.length);
    });
  });

  function parse(url: string, socket: object, xff: string | string[] | undefined): Failure | null {
    if (!q.parseTarget(url)) return FAIL_QUERY(q.error!);
    req.reset();
    const family = clients.resolve(socket, xff, req.addr);
    if (family === 0) return FAIL_ADDRESS;
    req.family = family;
    let i = q.indexOf('info_hash');
    if (i >= 0) {
      req.infoHash = q.source(i);
      req.hashOff = q.offset(i);
      req.hashLen = q.length(i);
    }
    i = q.indexOf('peer_id');
    if (i >= 0) {
      req.peerId = q.source(i);
      req.idOff = q.offset(i);
      req.idLen = q.length(i);
    }
    req.port = num(q, 'port');
    req.uploaded = num(q, 'uploaded');
    req.downloaded = num(q, 'downloaded');
    req.left = num(q, 'left');
    req.numwant = num(q, 'numwant');
    i = q.indexOf('event');
    req.event = i < 0 ? EVENT_NONE : event(q, i);
    return null;
  }
}
