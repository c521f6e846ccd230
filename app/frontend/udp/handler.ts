// One UDP tracker datagram in, at most one reply out: connect, announce, scrape, the
// trakx heartbeat, and error packets (BEP 15 + BEP 41). Kept apart from the socket so
// it can be driven in-process (tests, benchmarks). Everything it touches per packet is
// preallocated: the request object, the parsed fields, the URL-data and reply buffers.
//
// Amplification rule: a sender that has not shown a valid connection id (a connect, a
// forged or expired id, an unknown action without a valid id) never gets a reply longer
// than its request, except the 16-byte connect reply; error text is cut to fit.

import type { Logger } from 'pino';
import { type AnnounceEvent, AnnounceRequest, AnnounceResult, MISSING } from '../../bittorrent/announce.ts';
import { FAIL_STORE, type Failure } from '../../bittorrent/failures.ts';
import { isLater, type Later } from '../../bittorrent/later.ts';
import {
  LIMIT_SCRAPE_HASHES,
  NULL_OBSERVER,
  PROTO_UDP,
  REQ_ANNOUNCE,
  REQ_CONNECT,
  REQ_SCRAPE,
  RESULT_CLIENT_ERROR,
  RESULT_OK,
  RESULT_SERVER_ERROR,
  type RequestKind,
  type RequestObserver,
  type Result,
} from '../../bittorrent/observer.ts';
import type { SwarmCounts } from '../../bittorrent/peer-sink.ts';
import { parseAddress } from '../../protocol/address.ts';
import {
  ACTION_ANNOUNCE,
  ACTION_CONNECT,
  ACTION_HEARTBEAT,
  ACTION_SCRAPE,
  ANNOUNCE_LEN,
  errorMessage,
  HASH_LEN,
  HEADER_LEN,
  HEARTBEAT_REPLY,
  hasProtocolId,
  MAX_PEERS_V4,
  MAX_PEERS_V6,
  MAX_REPLY,
  MAX_SCRAPE_HASHES,
  OFF_INFO_HASH,
  OFF_PEER_ID,
  parseAnnounce,
  REPLY_HEADER,
  readAction,
  SCRAPE_ENTRY_LEN,
  scrapeHashCount,
  UDP_ERRORS,
  UDP_REFUSED,
  UdpAnnounce,
  UdpPeerWriter,
  writeAnnounceReply,
  writeConnectReply,
  writeError,
  writeReplyHeader,
  writeScrapeEntry,
} from '../../protocol/udp.ts';
import type { Tracker } from '../../tracker/tracker.ts';
import type { ConnectionIds } from './connection-id.ts';

/** BEP 41 URL data kept per announce; parsing stops at more. */
export const MAX_URL_DATA = 2048;
/** Events a UDP announce may carry: BEP 15's 0–3 and BEP 21's paused (4), as libtorrent sends. */
const MAX_EVENT = 4;
/** dispatch()'s length for a packet answered later. */
const LATER = -1;

type ErrorKey = keyof typeof UDP_ERRORS;

const ERROR_BYTES = Object.fromEntries(
  Object.entries(UDP_ERRORS).map(([k, text]) => [k, errorMessage(text)]),
) as Record<ErrorKey, Uint8Array>;

/** A packet answered later: where its reply goes and what is reported of it. */
interface Pending {
  out: Buffer;
  msg: Uint8Array;
  action: number;
  start: number;
  received: number;
  address: string;
  family: 4 | 6;
  addr: Uint8Array;
  port: number;
}

/**
 * Where a reply answered later goes: `address` as node:dgram gave it (empty for a
 * packet given by bytes, handleFrom()), or `family` with `addr` (4 or 16 bytes).
 */
export interface ReplyTo {
  readonly address: string;
  readonly family: 4 | 6;
  readonly addr: Uint8Array;
  readonly port: number;
}

export interface UdpHandlerOptions {
  tracker: Tracker;
  ids: ConnectionIds;
  observer?: RequestObserver;
  logger?: Logger;
  /**
   * Sends a reply that was answered later (a store that answers later): out[0, len) to
   * the packet's sender. handle() returned 0 for its packet.
   */
  sendLater?: (out: Buffer, len: number, to: ReplyTo) => void;
}

export class UdpHandler {
  /** The reply of the last handled packet is out[0, returned length). */
  out: Buffer = Buffer.alloc(MAX_REPLY);
  private readonly tracker: Tracker;
  private readonly ids: ConnectionIds;
  private readonly observer: RequestObserver;
  private readonly logger: Logger | undefined;
  private readonly sendLater: NonNullable<UdpHandlerOptions['sendLater']>;
  private readonly req = new AnnounceRequest();
  private res = new AnnounceResult();
  private readonly ann = new UdpAnnounce();
  private readonly url = new Uint8Array(MAX_URL_DATA);
  private peers = new UdpPeerWriter(this.out);
  private readonly counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  private readonly failureText = new Map<Failure, Uint8Array>();
  // Per-packet state, fields rather than locals so the helpers below can set them.
  private verified = false;
  /** Observer action of the packet, -1 for those not counted as requests (heartbeat, unknown). */
  private action = -1;
  private result: Result = RESULT_OK;
  private address = '';
  /** The packet's bytes are the caller's to reuse once handleFrom() returns. */
  private borrowed = false;
  private port = 0;
  private start = 0;

  constructor(opts: UdpHandlerOptions) {
    this.tracker = opts.tracker;
    this.ids = opts.ids;
    this.observer = opts.observer ?? NULL_OBSERVER;
    this.logger = opts.logger;
    this.sendLater = opts.sendLater ?? (() => {});
  }

  /**
   * Use a fresh reply buffer: the socket calls this when earlier replies wait in its
   * send queue (the kernel buffer was full), since those still reference the old one.
   */
  renewBuffer(): void {
    this.out = Buffer.alloc(MAX_REPLY);
  }

  /**
   * Handle msg[0, len) from `address` (as node:dgram reports it). Returns the length of
   * the reply in `out`, 0 for none. Never throws. `port` is the sender's, where a reply
   * answered later goes (sendLater); it plays no part in the request itself.
   */
  handle(msg: Uint8Array, len: number, address: string, port = 0): number {
    this.address = address;
    this.borrowed = false;
    return this.run(msg, len, parseAddress(address, this.req.addr), port);
  }

  /**
   * handle() for a sender given as bytes: `family` 4 or 6 and addr[addrOff…+4 or 16).
   * msg may be overwritten once this returns (what a reply answered later needs is copied).
   */
  handleFrom(
    msg: Uint8Array,
    len: number,
    family: 4 | 6,
    addr: Uint8Array,
    addrOff: number,
    port: number,
  ): number {
    const a = this.req.addr;
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < n; i++) a[i] = addr[addrOff + i];
    this.address = '';
    this.borrowed = true;
    return this.run(msg, len, family, port);
  }

  private run(msg: Uint8Array, len: number, family: 0 | 4 | 6, port: number): number {
    const observer = this.observer;
    // Reading a clock allocates a heap number: only when someone records durations.
    const start = observer === NULL_OBSERVER ? 0 : performance.now();
    let n = 0;
    this.verified = false;
    this.action = -1;
    this.result = RESULT_OK;
    this.port = port;
    this.start = start;
    try {
      n = this.dispatch(msg, len, family);
    } catch (err) {
      this.logger?.error({ err }, 'udp packet failed');
      this.result = RESULT_SERVER_ERROR;
      n = this.verified ? this.error(msg, len, 'internal') : 0;
    }
    // Answered later: reported when it is sent.
    if (n === LATER) return 0;
    this.report(this.action, this.result, start, len, n);
    return n;
  }

  private report(action: number, result: Result, start: number, received: number, sent: number): void {
    try {
      if (action >= 0) this.observer.request(PROTO_UDP, action as RequestKind, result, start);
      this.observer.bytes(PROTO_UDP, received, sent);
    } catch (err) {
      this.logger?.error({ err }, 'udp observer failed');
    }
  }

  private dispatch(msg: Uint8Array, len: number, family: 0 | 4 | 6): number {
    if (len < HEADER_LEN) return 0;
    const action = readAction(msg);
    if (action === ACTION_HEARTBEAT) {
      this.out[0] = HEARTBEAT_REPLY;
      return 1;
    }
    const req = this.req;
    if (family === 0) return 0;
    req.family = family;
    switch (action) {
      case ACTION_CONNECT:
        this.action = REQ_CONNECT;
        if (!hasProtocolId(msg)) return this.error(msg, len, 'badProtocolId');
        writeConnectReply(this.out, msg);
        this.ids.issue(this.out, 8, req.addr, family);
        return 16;
      case ACTION_ANNOUNCE:
        this.action = REQ_ANNOUNCE;
        if (!this.verify(msg)) return this.error(msg, len, 'badConnectionId');
        return this.announce(msg, len);
      case ACTION_SCRAPE:
        this.action = REQ_SCRAPE;
        if (!this.verify(msg)) return this.error(msg, len, 'badConnectionId');
        return this.tracker.answersLater ? this.scrapeLater(msg, len) : this.scrape(msg, len);
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
    // BEP 15's -1 (and any negative) asks for the tracker's default.
    req.numwant = ann.numWant >= 0 ? ann.numWant : MISSING;

    const out = this.out;
    // Room for what fits one datagram; the tracker applies numwant's default and cap.
    const peers = this.peers.begin(out, req.family, req.family === 4 ? MAX_PEERS_V4 : MAX_PEERS_V6);
    const res = this.res;
    const answer = this.tracker.announce(req, res, peers);
    if (answer === null) {
      writeAnnounceReply(out, msg, res.interval, res.leechers, res.seeders);
      this.observer.announce(req.event);
      return peers.length;
    }
    if (!isLater(answer)) {
      this.result = RESULT_CLIENT_ERROR;
      return this.failure(out, msg, answer);
    }
    return this.announceLater(answer, msg, len);
  }

  /**
   * The store answers later: this packet keeps the reply buffer, result and sink it
   * was given, and the handler takes new ones for the next packets.
   */
  private announceLater(answer: Promise<Failure | null>, msg: Uint8Array, len: number): number {
    const p = this.pending(REQ_ANNOUNCE, msg, len);
    msg = p.msg;
    const res = this.res;
    const peers = this.peers;
    const event = this.req.event;
    this.res = new AnnounceResult();
    this.peers = new UdpPeerWriter(this.out);
    answer.then(
      (fail) => {
        if (fail !== null) {
          const result = fail === FAIL_STORE ? RESULT_SERVER_ERROR : RESULT_CLIENT_ERROR;
          this.later(p, this.failure(p.out, msg, fail), result);
          return;
        }
        writeAnnounceReply(p.out, msg, res.interval, res.leechers, res.seeders);
        this.observer.announce(event);
        this.later(p, peers.length, RESULT_OK);
      },
      (err) => this.laterError(p, err),
    );
    return LATER;
  }

  /** Scrape against a store that answers later: every hash asked at once, one reply. */
  private scrapeLater(msg: Uint8Array, len: number): number {
    const n = scrapeHashCount(len);
    if (n <= 0 || n > MAX_SCRAPE_HASHES) return this.scrape(msg, len);
    const p = this.pending(REQ_SCRAPE, msg, len);
    msg = p.msg;
    const asks: Later<SwarmCounts>[] = [];
    for (let i = 0; i < n; i++) {
      asks.push(
        this.tracker.scrape(msg, HEADER_LEN + i * HASH_LEN, { seeders: 0, leechers: 0, downloaded: 0 }),
      );
    }
    Promise.all(asks).then(
      (all) => {
        writeReplyHeader(p.out, ACTION_SCRAPE, msg);
        for (let i = 0; i < n; i++)
          writeScrapeEntry(p.out, i, all[i].seeders, all[i].downloaded, all[i].leechers);
        this.later(p, REPLY_HEADER + n * SCRAPE_ENTRY_LEN, RESULT_OK);
      },
      // The only way a later scrape fails: the store did not answer (Redis slow or gone).
      () => this.later(p, this.failure(p.out, msg, FAIL_STORE), RESULT_SERVER_ERROR),
    );
    return LATER;
  }

  /** What a packet answered later keeps; the handler takes a new reply buffer. */
  private pending(action: number, msg: Uint8Array, received: number): Pending {
    const req = this.req;
    const borrowed = this.borrowed;
    const p: Pending = {
      out: this.out,
      // Bytes the socket reuses are copied: the reply is written after they change.
      // Buffer's slice() is a view: a copy must be made with Uint8Array's.
      msg: borrowed ? Uint8Array.prototype.slice.call(msg, 0, received) : msg,
      action,
      start: this.start,
      received,
      address: this.address,
      family: req.family,
      addr: req.addr.slice(0, req.family === 4 ? 4 : 16),
      port: this.port,
    };
    this.out = Buffer.alloc(MAX_REPLY);
    return p;
  }

  private later(p: Pending, n: number, result: Result): void {
    this.report(p.action, result, p.start, p.received, n);
    try {
      this.sendLater(p.out, n, p);
    } catch (err) {
      this.logger?.error({ err }, 'udp send failed');
    }
  }

  /** A store that failed: internal error, to a sender whose connection id was verified. */
  private laterError(p: Pending, err: unknown): void {
    this.logger?.error({ err }, 'udp packet failed');
    this.observer.udpError(UDP_ERRORS.internal);
    this.later(p, writeError(p.out, p.msg, ERROR_BYTES.internal, MAX_REPLY), RESULT_SERVER_ERROR);
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
  private failure(out: Buffer, msg: Uint8Array, fail: Failure): number {
    let text = this.failureText.get(fail);
    if (text === undefined) {
      text = errorMessage(fail.reason);
      if (this.failureText.size < 64) this.failureText.set(fail, text);
    }
    this.observer.udpError(UDP_REFUSED);
    return writeError(out, msg, text, MAX_REPLY);
  }

  private error(msg: Uint8Array, len: number, key: ErrorKey): number {
    if (this.result === RESULT_OK) this.result = RESULT_CLIENT_ERROR;
    this.observer.udpError(UDP_ERRORS[key]);
    return writeError(this.out, msg, ERROR_BYTES[key], this.verified ? MAX_REPLY : len);
  }
}
