// One UDP tracker datagram in, at most one reply out: connect, announce, scrape, the
// trakx heartbeat, and error packets (BEP 15 + BEP 41). Kept apart from the socket so
// it can be driven in-process (tests, benchmarks). Everything it touches per packet is
// preallocated: the request object, the parsed fields, the URL-data and reply buffers.
//
// Amplification rule: a sender that has not shown a valid connection id (a connect, a
// forged or expired id, an unknown action without a valid id) never gets a reply longer
// than its request, except the 16-byte connect reply; error text is cut to fit.

import type { Logger } from 'pino';
import {
  ACTION_ANNOUNCE,
  ACTION_CONNECT,
  ACTION_HEARTBEAT,
  ACTION_SCRAPE,
  ANNOUNCE_LEN,
  ANNOUNCE_REPLY_HEADER,
  errorMessage,
  HASH_LEN,
  HEADER_LEN,
  HEARTBEAT_REPLY,
  hasProtocolId,
  MAX_SCRAPE_HASHES,
  OFF_INFO_HASH,
  OFF_PEER_ID,
  parseAnnounce,
  REPLY_HEADER,
  readAction,
  SCRAPE_ENTRY_LEN,
  scrapeHashCount,
  UdpAnnounce,
  UdpPeerWriter,
  writeAnnounceReply,
  writeConnectReply,
  writeError,
  writeReplyHeader,
  writeScrapeEntry,
} from '../protocol/udp.ts';
import { parseSourceAddress } from '../protocol/udp-source-address.ts';
import type { SwarmCounts } from '../swarm/store.ts';
import type { Failure } from '../tracker/failures.ts';
import { type AnnounceEvent, AnnounceRequest, AnnounceResult, MISSING } from '../tracker/request.ts';
import { OWN_FAMILY, type Tracker } from '../tracker/tracker.ts';
import {
  type Action,
  LIMIT_SCRAPE_HASHES,
  NULL_OBSERVER,
  ACTION_ANNOUNCE as OBS_ANNOUNCE,
  ACTION_CONNECT as OBS_CONNECT,
  ACTION_SCRAPE as OBS_SCRAPE,
  PROTO_UDP,
  RESULT_CLIENT_ERROR,
  RESULT_OK,
  RESULT_SERVER_ERROR,
  type RequestObserver,
  type Result,
} from './observer.ts';
import type { ConnectionIds } from './udp-connection-id.ts';

/**
 * Largest reply payload: IPv6's minimum MTU (1280) minus the IPv6 and UDP headers, the
 * size DNS settled on as never fragmented. Caps a reply at 202 IPv4 or 67 IPv6 peers.
 */
export const MAX_REPLY = 1232;
export const MAX_PEERS_V4 = Math.floor((MAX_REPLY - ANNOUNCE_REPLY_HEADER) / 6);
export const MAX_PEERS_V6 = Math.floor((MAX_REPLY - ANNOUNCE_REPLY_HEADER) / 18);
/** BEP 41 URL data kept per announce; parsing stops at more. */
export const MAX_URL_DATA = 2048;
/** Events a UDP announce may carry: BEP 15's 0–3 and BEP 21's paused (4), as libtorrent sends. */
const MAX_EVENT = 4;

/** The short texts of UDP error packets. */
export const UDP_ERRORS = {
  badProtocolId: 'bad protocol id',
  badConnectionId: 'bad connection id',
  badLength: 'bad length',
  unknownAction: 'unknown action',
  badPort: 'bad port',
  badEvent: 'bad event',
  tooManyHashes: 'too many hashes',
  internal: 'internal error',
} as const;
/**
 * The metrics reason of a tracker failure (torrent limit, rate limit, info_hash lists,
 * peers per address): which limit it was is counted by trakx_limit_hits_total.
 */
export const UDP_REFUSED = 'refused';
type ErrorKey = keyof typeof UDP_ERRORS;

const ERROR_BYTES = Object.fromEntries(
  Object.entries(UDP_ERRORS).map(([k, text]) => [k, errorMessage(text)]),
) as Record<ErrorKey, Uint8Array>;

export interface UdpHandlerOptions {
  tracker: Tracker;
  ids: ConnectionIds;
  /** numwant.default, to keep a defaulted answer inside one datagram too. */
  numwantDefault: number;
  observer?: RequestObserver;
  logger?: Logger;
}

export class UdpHandler {
  /** The reply of the last handled packet is out[0, returned length). */
  out: Buffer = Buffer.alloc(MAX_REPLY);
  private readonly tracker: Tracker;
  private readonly ids: ConnectionIds;
  private readonly observer: RequestObserver;
  private readonly logger: Logger | undefined;
  private readonly numwantDefault: number;
  private readonly req = new AnnounceRequest();
  private readonly res = new AnnounceResult();
  private readonly ann = new UdpAnnounce();
  private readonly url = new Uint8Array(MAX_URL_DATA);
  private readonly peers = new UdpPeerWriter(this.out);
  private readonly counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  private readonly failureText = new Map<Failure, Uint8Array>();
  // Per-packet state, fields rather than locals so the helpers below can set them.
  private verified = false;
  /** Observer action of the packet, -1 for those not counted as requests (heartbeat, unknown). */
  private action = -1;
  private result: Result = RESULT_OK;

  constructor(opts: UdpHandlerOptions) {
    this.tracker = opts.tracker;
    this.ids = opts.ids;
    this.observer = opts.observer ?? NULL_OBSERVER;
    this.logger = opts.logger;
    this.numwantDefault = opts.numwantDefault;
  }

  /**
   * Use a fresh reply buffer: the socket calls this when earlier replies wait in its
   * send queue (the kernel buffer was full), since those still reference the old one.
   */
  renewBuffer(): void {
    this.out = Buffer.alloc(MAX_REPLY);
  }

  /**
   * Handle msg[0, len) from `address` (as node:dgram reports it; the reply goes back to
   * the sender's port, which plays no part here). Returns the length of the reply in
   * `out`, 0 for none. Never throws.
   */
  handle(msg: Uint8Array, len: number, address: string): number {
    const observer = this.observer;
    // Reading a clock allocates a heap number: only when someone records durations.
    const start = observer === NULL_OBSERVER ? 0 : performance.now();
    let n = 0;
    this.verified = false;
    this.action = -1;
    this.result = RESULT_OK;
    try {
      n = this.dispatch(msg, len, address);
    } catch (err) {
      this.logger?.error({ err }, 'udp packet failed');
      this.result = RESULT_SERVER_ERROR;
      n = this.verified ? this.error(msg, len, 'internal') : 0;
    }
    try {
      if (this.action >= 0) observer.request(PROTO_UDP, this.action as Action, this.result, start);
      observer.bytes(PROTO_UDP, len, n);
    } catch (err) {
      this.logger?.error({ err }, 'udp observer failed');
    }
    return n;
  }

  private dispatch(msg: Uint8Array, len: number, address: string): number {
    if (len < HEADER_LEN) return 0;
    const action = readAction(msg);
    if (action === ACTION_HEARTBEAT) {
      this.out[0] = HEARTBEAT_REPLY;
      return 1;
    }
    const req = this.req;
    const family = parseSourceAddress(address, req.addr);
    if (family === 0) return 0;
    req.family = family;
    switch (action) {
      case ACTION_CONNECT:
        this.action = OBS_CONNECT;
        if (!hasProtocolId(msg)) return this.error(msg, len, 'badProtocolId');
        writeConnectReply(this.out, msg);
        this.ids.issue(this.out, 8, req.addr, family);
        return 16;
      case ACTION_ANNOUNCE:
        this.action = OBS_ANNOUNCE;
        if (!this.verify(msg)) return this.error(msg, len, 'badConnectionId');
        return this.announce(msg, len);
      case ACTION_SCRAPE:
        this.action = OBS_SCRAPE;
        if (!this.verify(msg)) return this.error(msg, len, 'badConnectionId');
        return this.scrape(msg, len);
      default:
        this.verify(msg);
        return this.error(msg, len, 'unknownAction');
    }
  }

  private verify(msg: Uint8Array): boolean {
    const req = this.req;
    this.verified = this.ids.check(msg, 0, req.addr, req.family);
    return this.verified;
  }

  private announce(msg: Uint8Array, len: number): number {
    if (len < ANNOUNCE_LEN) return this.error(msg, len, 'badLength');
    const ann = parseAnnounce(msg, len, this.ann, this.url);
    if (ann.port === 0) return this.error(msg, len, 'badPort');
    if (ann.event > MAX_EVENT) return this.error(msg, len, 'badEvent');
    const req = this.req.reset();
    req.infoHash = msg;
    req.hashOff = OFF_INFO_HASH;
    req.hashLen = HASH_LEN;
    req.peerId = msg;
    req.idOff = OFF_PEER_ID;
    req.idLen = HASH_LEN;
    req.port = ann.port;
    req.downloaded = ann.downloaded;
    req.left = ann.left;
    req.uploaded = ann.uploaded;
    req.event = ann.event as AnnounceEvent;
    req.urlData = this.url;
    req.urlLen = ann.urlLen;
    const cap = req.family === 4 ? MAX_PEERS_V4 : MAX_PEERS_V6;
    if (ann.numWant >= 0) req.numwant = Math.min(ann.numWant, cap);
    else req.numwant = this.numwantDefault > cap ? cap : MISSING;

    const out = this.out;
    const peers = this.peers.begin(out, req.family, cap);
    const res = this.res;
    const fail = this.tracker.announce(req, res, OWN_FAMILY, peers);
    if (fail) return this.failure(msg, fail);
    writeAnnounceReply(out, msg, res.interval, res.leechers, res.seeders);
    this.observer.announce(req.event);
    return peers.length;
  }

  private scrape(msg: Uint8Array, len: number): number {
    const n = scrapeHashCount(len);
    if (n <= 0) return this.error(msg, len, 'badLength');
    if (n > MAX_SCRAPE_HASHES) {
      this.observer.limitHit(LIMIT_SCRAPE_HASHES);
      return this.error(msg, len, 'tooManyHashes');
    }
    const out = this.out;
    writeReplyHeader(out, ACTION_SCRAPE, msg);
    const counts = this.counts;
    for (let i = 0; i < n; i++) {
      this.tracker.scrape(msg, HEADER_LEN + i * HASH_LEN, counts);
      writeScrapeEntry(out, i, counts.seeders, counts.downloaded, counts.leechers);
    }
    return REPLY_HEADER + n * SCRAPE_ENTRY_LEN;
  }

  /**
   * A tracker failure (torrent limit, rate limit, deny list…) on a verified announce:
   * its plain-words reason, as HTTP sends it. The sender proved its address, so the
   * text need not be cut; its bytes are made once per distinct failure.
   */
  private failure(msg: Uint8Array, fail: Failure): number {
    let text = this.failureText.get(fail);
    if (text === undefined) {
      text = errorMessage(fail.reason);
      if (this.failureText.size < 64) this.failureText.set(fail, text);
    }
    if (this.result === RESULT_OK) this.result = RESULT_CLIENT_ERROR;
    this.observer.udpError(UDP_REFUSED);
    return writeError(this.out, msg, text, MAX_REPLY);
  }

  private error(msg: Uint8Array, len: number, key: ErrorKey): number {
    if (this.result === RESULT_OK) this.result = RESULT_CLIENT_ERROR;
    this.observer.udpError(UDP_ERRORS[key]);
    return writeError(this.out, msg, ERROR_BYTES[key], this.verified ? MAX_REPLY : len);
  }
}
