// Helpers of the HTTP integration tests: announce/scrape URLs built byte-exact, replies
// checked and decoded (from any loopback source address, so several IPv4 peers can be
// told apart by address, not only by port), and decoders of compact peer lists.

import assert from 'node:assert/strict';
import type { Service } from '../../app/service.ts';
import { type BValue, bdict } from '../helpers/bdecode.ts';
import { type GetOptions, get, pct, type RawResponse } from '../helpers/http-client.ts';

export const HOSTS = ['127.0.0.1', '::1'] as const;

let counter = 0;
/** A fresh 20-byte info_hash per call (with bytes that need escaping), so tests never share swarms. */
export function freshHash(): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt32BE(++counter, 0);
  h.writeUInt32BE(process.pid, 4);
  h.fill(0xff, 8, 12);
  h.write('&=%+ #?', 12, 'latin1');
  h[19] = 0x00;
  return h;
}

export interface AnnounceParams {
  hash: Buffer;
  id: Buffer;
  port: number;
  left?: number;
  event?: string;
  numwant?: number;
  compact?: string;
  noPeerId?: boolean;
  /** Appended verbatim (e.g. `&ip=1.2.3.4`). */
  extra?: string;
}

export function announcePath(a: AnnounceParams): string {
  let q = `/announce?info_hash=${pct(a.hash)}&peer_id=${pct(a.id)}&port=${a.port}`;
  q += `&uploaded=0&downloaded=0&left=${a.left ?? 1000}`;
  if (a.event !== undefined) q += `&event=${a.event}`;
  if (a.numwant !== undefined) q += `&numwant=${a.numwant}`;
  if (a.compact !== undefined) q += `&compact=${a.compact}`;
  if (a.noPeerId) q += '&no_peer_id=1';
  return q + (a.extra ?? '');
}

export function scrapePath(hashes: Buffer[]): string {
  return `/scrape?${hashes.map((h) => `info_hash=${pct(h)}`).join('&')}`;
}

/** A tracker reply: HTTP 200, text/plain, a bencoded dict. */
export function trackerReply(res: RawResponse): { [k: string]: BValue } {
  assert.equal(res.status, 200, `HTTP ${res.status}: ${res.body.toString('latin1').slice(0, 200)}`);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  return bdict(res.body);
}

/** GET an announce and decode it; fails the test on a failure reason. */
export async function announce(
  svc: Service,
  host: string,
  a: AnnounceParams,
  opts: GetOptions = {},
): Promise<{ [k: string]: BValue }> {
  const d = trackerReply(await get(host, svc.httpPort, announcePath(a), opts));
  assert.equal(d['failure reason'], undefined, `failure: ${String(d['failure reason'])}`);
  return d;
}

/**
 * GET something that must fail; returns the reason, whether `retry in: never` came with
 * it, and its `retry in` minutes (0 when absent or never).
 */
export async function failure(
  svc: Service,
  host: string,
  path: string,
  opts: GetOptions = {},
): Promise<{ reason: string; never: boolean; retryIn: number; keys: string[] }> {
  const d = trackerReply(await get(host, svc.httpPort, path, opts));
  const reason = d['failure reason'];
  assert.ok(Buffer.isBuffer(reason), `no failure reason in ${JSON.stringify(Object.keys(d))}`);
  const retry = d['retry in'];
  // BEP 31: the string "never" or a whole number of minutes.
  if (retry !== undefined && typeof retry !== 'number') assert.equal((retry as Buffer).toString(), 'never');
  return {
    reason: reason.toString('utf8'),
    never: retry !== undefined && typeof retry !== 'number',
    retryIn: typeof retry === 'number' ? retry : 0,
    keys: Object.keys(d),
  };
}

/** BEP 23 compact IPv4 peers as `a.b.c.d:port`. */
export function peers4(v: BValue | undefined): string[] {
  assert.ok(Buffer.isBuffer(v), 'peers is not a byte string');
  assert.equal(v.length % 6, 0, 'peers is not a multiple of 6 bytes');
  const out: string[] = [];
  for (let i = 0; i < v.length; i += 6)
    out.push(`${v[i]}.${v[i + 1]}.${v[i + 2]}.${v[i + 3]}:${v.readUInt16BE(i + 4)}`);
  return out;
}

/** BEP 7 compact IPv6 peers as `hex16:port`. */
export function peers6(v: BValue | undefined): string[] {
  assert.ok(Buffer.isBuffer(v), 'peers6 is not a byte string');
  assert.equal(v.length % 18, 0, 'peers6 is not a multiple of 18 bytes');
  const out: string[] = [];
  for (let i = 0; i < v.length; i += 18) {
    out.push(`${v.subarray(i, i + 16).toString('hex')}:${v.readUInt16BE(i + 16)}`);
  }
  return out;
}

export const LOOPBACK6_HEX = `${'00'.repeat(15)}01`;
