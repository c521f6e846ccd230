// The UDP tracker's socket on the native batch module (app/runtime/udp-batch.ts): one
// readiness event reads up to BATCH datagrams in one system call, the handler answers
// them back to back, and their replies leave in one sendmmsg.

import type { Logger } from 'pino';
import { parseAddress } from '../../protocol/address.ts';
import type { UdpBatchBinding, UdpBatchHandle } from '../../runtime/udp-batch.ts';
import type { ReplyTo, UdpHandler } from './handler.ts';

/** A dropped-replies warning at most this often. */
const WARN_EVERY_MS = 10_000;

export class BatchSocket {
  readonly port: number;
  readonly address: string;
  private readonly handle: UdpBatchHandle;
  private handler: UdpHandler | null = null;
  private closed = false;
  private dropped = 0;
  private warned = 0;
  // Datagram i is rbuf[i·RSTRIDE…), its meta rmeta[i·META…) (udp-batch.c); replies likewise.
  private readonly rbuf: Buffer;
  private readonly rmeta: Buffer;
  private readonly rmeta32: Uint32Array;
  private readonly rmeta16: Uint16Array;
  private readonly sbuf: Buffer;
  private readonly smeta: Buffer;
  private readonly smeta32: Uint32Array;
  private readonly views: Buffer[] = [];

  /** Binds ip:port; throws as bind does (err.code EADDRINUSE, EAFNOSUPPORT…). */
  constructor(
    private readonly io: UdpBatchBinding,
    ip: string,
    port: number,
    reusePort: boolean,
    bufferSize: number,
    private readonly logger: Logger,
  ) {
    const bytes = new Uint8Array(16);
    const family = parseAddress(ip, bytes);
    if (family === 0) throw Object.assign(new Error(`udp.ip ${ip} is not an IP address`), { code: 'EINVAL' });
    // `::` (or any IPv6 address) is a dual-stack socket, as node:dgram's udp6 with ipv6Only off.
    const v6 = ip.includes(':');
    const addr = v6 && family === 4 ? mapped(bytes) : bytes.subarray(0, v6 ? 16 : 4);
    this.handle = io.open(v6, addr, port, reusePort, bufferSize, bufferSize);
    this.port = io.info(this.handle)[0];
    this.address = ip;
    const { BATCH, RSTRIDE, SSLOT, META } = io;
    // Not zeroed: the kernel writes a datagram's bytes before JavaScript reads them, and
    // the pages of slots never filled to 64 KiB are never touched.
    this.rbuf = Buffer.allocUnsafeSlow(BATCH * RSTRIDE);
    this.rmeta = Buffer.alloc(BATCH * META);
    this.rmeta32 = new Uint32Array(this.rmeta.buffer, this.rmeta.byteOffset, this.rmeta.length >> 2);
    this.rmeta16 = new Uint16Array(this.rmeta.buffer, this.rmeta.byteOffset, this.rmeta.length >> 1);
    this.sbuf = Buffer.alloc(BATCH * SSLOT);
    this.smeta = Buffer.alloc(BATCH * META);
    this.smeta32 = new Uint32Array(this.smeta.buffer, this.smeta.byteOffset, this.smeta.length >> 2);
    for (let i = 0; i < BATCH; i++) this.views.push(this.rbuf.subarray(i * RSTRIDE, (i + 1) * RSTRIDE));
  }

  /** [receive, send] buffer sizes as the kernel reports them (twice what it grants). */
  bufferSizes(): [number, number] {
    const [, recv, send] = this.io.info(this.handle);
    return [recv, send];
  }

  start(handler: UdpHandler): void {
    this.handler = handler;
    this.io.start(this.handle, this.rbuf, this.rmeta, this.sbuf, this.smeta, this.onBatch);
  }

  /** A reply answered later (a store that answers later). */
  readonly sendLater = (out: Buffer, len: number, to: ReplyTo): void => {
    if (this.closed) return;
    if (!this.io.sendTo(this.handle, out, len, to.family, to.addr, to.port)) this.drop(1);
  };

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.io.close(this.handle);
    }
    return Promise.resolve();
  }

  private readonly onBatch = (count: number): void => {
    const handler = this.handler;
    if (handler === null || this.closed) return;
    const { SSLOT, META } = this.io;
    const words = META >> 2;
    const rmeta = this.rmeta;
    const r32 = this.rmeta32;
    const s32 = this.smeta32;
    const sbuf = this.sbuf;
    let k = 0;
    for (let i = 0; i < count; i++) {
      const from = i * words;
      const at = i * META;
      const family = rmeta[at + 6] === 4 ? 4 : 6;
      const port = this.rmeta16[(at >> 1) + 2];
      const n = handler.handleFrom(this.views[i], r32[from], family, rmeta, at + 8, port);
      if (n <= 0) continue;
      handler.out.copy(sbuf, k * SSLOT, 0, n);
      // The reply's meta: its length, then the sender's port, family and address (words
      // 1-5), copied word by word rather than by a Buffer.copy call per reply.
      const to = k * words;
      s32[to] = n;
      s32[to + 1] = r32[from + 1];
      s32[to + 2] = r32[from + 2];
      s32[to + 3] = r32[from + 3];
      s32[to + 4] = r32[from + 4];
      s32[to + 5] = r32[from + 5];
      k++;
    }
    if (k > 0) {
      const sent = this.io.flush(this.handle, k);
      if (sent < k) this.drop(k - sent);
    }
  };

  private drop(n: number): void {
    this.dropped += n;
    const now = Date.now();
    if (now - this.warned < WARN_EVERY_MS) return;
    this.warned = now;
    this.logger.warn({ dropped: this.dropped }, 'udp replies dropped: the send buffer stayed full');
  }
}

/** ::ffff:a.b.c.d for an IPv4 address bound on a dual-stack socket. */
function mapped(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4.subarray(0, 4), 12);
  return out;
}
