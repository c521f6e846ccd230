// bittorrent-tracker's WebSocket protocol (WebTorrent): one JSON text per message, its
// info_hash and peer_id 20-character binary strings (each character one byte, 0–255).
// Pure: imports nothing of the app. Every input gives a request or a refusal, never a throw.

/** Events as bittorrent-tracker names them; none or `empty` is `update`. */
export type WsEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused';

export interface WsOffer {
  /** The SDP offer object, forwarded untouched. */
  offer: object;
  /** 20-character binary string chosen by the offering client. */
  offer_id: string;
}

export interface WsAnnounce {
  action: 'announce';
  infoHash: string;
  peerId: string;
  event: WsEvent;
  /** Bytes left; absent, null or not a number is Infinity (a leecher). */
  left: number;
  /** The client's numwant when it is a non-negative number, else -1. */
  numwant: number;
  /** Offers to hand to other peers (empty when none). */
  offers: WsOffer[];
  /** An answer to route back to `toPeerId`'s offer `offerId`; null in a plain announce. */
  answer: object | null;
  toPeerId: string;
  offerId: string;
}

export interface WsScrape {
  action: 'scrape';
  /** The hashes asked for; null asks for every swarm (bittorrent-tracker's no-hash form). */
  infoHashes: string[] | null;
}

/** A message that cannot be served: the reply is `failure reason`, with `action` and
 * `info_hash` when both were readable (the client matches replies by info_hash). */
export interface WsInvalid {
  action: 'invalid';
  reason: string;
  /** The announce's or scrape's action when it was readable, else null. */
  replyAction: 'announce' | 'scrape' | null;
  /** The valid info_hash of the message, else null. */
  infoHash: string | null;
}

export type WsRequest = WsAnnounce | WsScrape | WsInvalid;

export interface ParseLimits {
  /** Most offers one announce may carry. */
  maxOffers: number;
  /** Most info_hashes one scrape may name. */
  maxScrapeHashes: number;
}

const EVENTS: Record<string, WsEvent> = {
  __proto__: null as unknown as WsEvent,
  started: 'started',
  stopped: 'stopped',
  completed: 'completed',
  update: 'update',
  paused: 'paused',
  empty: 'update',
  '': 'update',
};

/** A 20-character string whose characters are all bytes (0–255). */
export function isBinary20(v: unknown): v is string {
  if (typeof v !== 'string' || v.length !== 20) return false;
  for (let i = 0; i < 20; i++) if (v.charCodeAt(i) > 0xff) return false;
  return true;
}

function invalid(
  reason: string,
  replyAction: 'announce' | 'scrape' | null = null,
  infoHash: string | null = null,
): WsInvalid {
  return { action: 'invalid', reason, replyAction, infoHash };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse one message's text (ws hands text frames over as UTF-8 bytes). */
export function parseWsMessage(data: Buffer | string, limits: ParseLimits): WsRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return invalid('invalid JSON');
  }
  if (!isObject(msg)) return invalid('message is not a JSON object');
  if (msg.action === 'announce') return parseAnnounce(msg, limits);
  if (msg.action === 'scrape') return parseScrape(msg, limits);
  return invalid('invalid action');
}

function parseAnnounce(msg: Record<string, unknown>, limits: ParseLimits): WsRequest {
  const infoHash = msg.info_hash;
  if (!isBinary20(infoHash)) return invalid('invalid info_hash', 'announce');
  const peerId = msg.peer_id;
  if (!isBinary20(peerId)) return invalid('invalid peer_id', 'announce', infoHash);
  const ev = msg.event ?? '';
  const event = typeof ev === 'string' ? EVENTS[ev] : undefined;
  if (event === undefined) return invalid('invalid event', 'announce', infoHash);
  // A client without the metadata yet (a magnet link) has left = Infinity, which JSON sends
  // as null: that, like anything not a number, is a leecher (Number(null) would be 0).
  const l = msg.left;
  const left = typeof l === 'number' ? l : typeof l === 'string' && l.trim() !== '' ? Number(l) : Number.NaN;
  const nw = msg.numwant;
  const numwant = typeof nw === 'number' && nw >= 0 ? Math.floor(nw) : -1;
  const out: WsAnnounce = {
    action: 'announce',
    infoHash,
    peerId,
    event,
    left: Number.isNaN(left) ? Number.POSITIVE_INFINITY : left,
    numwant,
    offers: [],
    answer: null,
    toPeerId: '',
    offerId: '',
  };
  if (msg.answer !== undefined && msg.answer !== null) {
    if (!isObject(msg.answer)) return invalid('invalid answer', 'announce', infoHash);
    if (!isBinary20(msg.to_peer_id)) {
      return invalid('invalid `to_peer_id` (required with `answer`)', 'announce', infoHash);
    }
    if (!isBinary20(msg.offer_id)) return invalid('invalid offer_id', 'announce', infoHash);
    out.answer = msg.answer;
    out.toPeerId = msg.to_peer_id;
    out.offerId = msg.offer_id;
  }
  const offers = msg.offers;
  if (offers !== undefined && offers !== null) {
    if (!Array.isArray(offers)) return invalid('invalid offers', 'announce', infoHash);
    if (offers.length > limits.maxOffers) return invalid('too many offers', 'announce', infoHash);
    for (const o of offers) {
      if (!isObject(o) || !isObject(o.offer) || !isBinary20(o.offer_id)) {
        return invalid('invalid offer', 'announce', infoHash);
      }
      out.offers.push({ offer: o.offer, offer_id: o.offer_id });
    }
  }
  return out;
}

function parseScrape(msg: Record<string, unknown>, limits: ParseLimits): WsRequest {
  const ih = msg.info_hash;
  if (ih === undefined || ih === null) return { action: 'scrape', infoHashes: null };
  if (typeof ih === 'string') {
    return isBinary20(ih) ? { action: 'scrape', infoHashes: [ih] } : invalid('invalid info_hash', 'scrape');
  }
  if (!Array.isArray(ih)) return invalid('invalid info_hash', 'scrape');
  if (ih.length > limits.maxScrapeHashes) return invalid('too many info_hash', 'scrape');
  for (const h of ih) if (!isBinary20(h)) return invalid('invalid info_hash', 'scrape');
  return { action: 'scrape', infoHashes: ih as string[] };
}
