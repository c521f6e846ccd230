// WebSocket load generator for the WebTorrent tracker bench: `conns` connections, each one
// browser peer of torrent (i mod torrents), announcing as bittorrent-tracker's client does.
//   node ws-load.js '<json WsLoadConfig>'
// mode "rate": each connection announces again as soon as its reply comes (one in flight
//   each), after `warmup` s counts replies for `seconds` s; prints "measuring" at the
//   window's start and a JSON result line at its end, then exits.
// mode "hold": every connection announces once; prints {"held":n} when all are answered and
//   keeps them open until killed (the runner reads the tracker's memory meanwhile).
// Speaks the WebSocket framing itself (client frames prebuilt, server frames only split and
// classified), so the generator is cheap next to the servers it measures.
// Bounded: the process exits by itself after warmup + seconds + 60 s.

import { connect, type Socket } from 'node:net';

export interface WsLoadConfig {
  url: string;
  mode: 'rate' | 'hold';
  conns: number;
  torrents: number;
  /** Offers per announce (bittorrent-tracker's client sends up to 5), each `sdpBytes` long. */
  offers: number;
  sdpBytes: number;
  warmup: number;
  seconds: number;
}

export interface WsLoadResult {
  announces: number;
  seconds: number;
  /** Offers forwarded to this generator's connections by the tracker. */
  offersReceived: number;
  failures: number;
  closed: number;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as WsLoadConfig;
const hardStop = setTimeout(() => process.exit(3), (cfg.warmup + cfg.seconds + 60) * 1000);
hardStop.unref();

// Offers relayed by both servers begin so; anything else that is not a failure is a reply.
const OFFER_PREFIX = Buffer.from('{"action":"announce","offer":');
const FAILURE = Buffer.from('"failure reason"');

/** A 20-character binary string: `tag`, then `n` in decimal, padded. */
function id(tag: string, n: number): string {
  return `${tag}${String(n).padStart(20 - tag.length, '0')}`;
}

const sdp = `v=0\r\n${'a=candidate:0 1 udp 2122260223 127.0.0.1 9 typ host\r\n'.repeat(
  Math.max(0, Math.floor((cfg.sdpBytes - 5) / 52)),
)}`;

/**
 * One client text frame, built once: masked with an all-zero key, so the payload goes out
 * as is (clients must mask; the key's value is theirs to choose). The generator then costs
 * one write per announce and stays well below the server it measures.
 */
function frame(i: number, event: string | undefined): Buffer {
  const offers = [];
  for (let k = 0; k < cfg.offers; k++)
    offers.push({ offer: { type: 'offer', sdp }, offer_id: id(`o${k}-`, i) });
  const payload = Buffer.from(
    JSON.stringify({
      action: 'announce',
      info_hash: id('ih-', i % cfg.torrents),
      peer_id: id('-WW0208-', i),
      numwant: cfg.offers,
      uploaded: 0,
      downloaded: 0,
      // Every fourth peer of each torrent seeds, so every swarm has leechers to offer to.
      left: Math.floor(i / cfg.torrents) % 4 === 0 ? 0 : 1000,
      event,
      offers,
    }),
  );
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const f = Buffer.alloc(head + 4 + n);
  f[0] = 0x81;
  if (n < 126) f[1] = 0x80 | n;
  else if (n < 65536) {
    f[1] = 0x80 | 126;
    f.writeUInt16BE(n, 2);
  } else {
    f[1] = 0x80 | 127;
    f.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(f, head + 4);
  return f;
}

let measuring = false;
let done = false;
let announces = 0;
let offersReceived = 0;
let failures = 0;
let closed = 0;
let answered = 0;

const { hostname, port, pathname } = new URL(cfg.url);
const handshake =
  `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** One server message (frame payload at `off`, `len` bytes) to `sock`. */
function onFrame(sock: Socket, again: Buffer, buf: Buffer, off: number, len: number): void {
  const payload = buf.subarray(off, off + len);
  if (len >= OFFER_PREFIX.length && payload.subarray(0, OFFER_PREFIX.length).equals(OFFER_PREFIX)) {
    offersReceived++;
    return;
  }
  if (payload.includes(FAILURE)) failures++;
  if (cfg.mode === 'hold') {
    if (++answered === cfg.conns) process.stdout.write(`${JSON.stringify({ held: answered })}\n`);
    return;
  }
  if (measuring) announces++;
  if (!done) sock.write(again);
}

const socks: Socket[] = [];
for (let i = 0; i < cfg.conns; i++) {
  const started = frame(i, 'started');
  const again = frame(i, undefined);
  const sock = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  let upgraded = false;
  let pending: Buffer | null = null;
  sock.on('error', () => {});
  sock.on('close', () => {
    if (!done) closed++;
  });
  sock.on('connect', () => sock.write(handshake));
  sock.on('data', (chunk: Buffer) => {
    let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        pending = buf;
        return;
      }
      if (!buf.subarray(0, 12).toString('latin1').includes('101')) {
        sock.destroy();
        return;
      }
      upgraded = true;
      buf = buf.subarray(end + 4);
      sock.write(started);
    }
    let off = 0;
    while (buf.length - off >= 2) {
      let len = buf[off + 1] & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        head = 4;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        head = 10;
      }
      if (buf.length - off < head + len) break;
      if ((buf[off] & 0x0f) === 0x1) onFrame(sock, again, buf, off + head, len);
      off += head + len;
    }
    if (off < buf.length) pending = buf.subarray(off);
  });
  socks.push(sock);
}

if (cfg.mode === 'rate') {
  setTimeout(() => {
    measuring = true;
    offersReceived = 0;
    const t0 = process.hrtime.bigint();
    process.stdout.write('measuring\n');
    setTimeout(() => {
      measuring = false;
      done = true;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const result: WsLoadResult = { announces, seconds, offersReceived, failures, closed };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      for (const sock of socks) sock.destroy();
      setTimeout(() => process.exit(0), 200);
    }, cfg.seconds * 1000);
  }, cfg.warmup * 1000);
}
