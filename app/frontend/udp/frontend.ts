// The UDP tracker as a Frontend: binds udp.ip:udp.port, sizes the kernel buffers, and passes
// each datagram to the UdpHandler, sending back whatever reply it built. With udp.io
// `batch` (or `auto` with the native module built) datagrams come and go many per system
// call (batch-socket.ts); with node:dgram one at a time, answered a burst at a time
// (burst.ts). With the default ip `::` one dual-stack socket serves IPv4 (seen as
// ::ffff:a.b.c.d) and IPv6.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { ConfigError } from '../../config/load.ts';
import type { Config } from '../../config/types.ts';
import { Burst } from '../../runtime/burst.ts';
import { loadUdpBatch, type UdpBatchBinding, udpBatchMissing } from '../../runtime/udp-batch.ts';
import type { Frontend, FrontendContext } from '../frontend.ts';
import { BatchSocket } from './batch-socket.ts';
import { ConnectionIds } from './connection-id.ts';
import { UdpHandler } from './handler.ts';

export class UdpFrontend implements Frontend {
  readonly name = 'udp';
  port = 0;
  /** Bound address. */
  address = '';
  handler: UdpHandler | undefined;
  /** `batch` or `dgram`: how this frontend's datagrams are read and sent. */
  io: 'batch' | 'dgram' = 'dgram';
  private socket: Socket | BatchSocket | undefined;
  private ids: ConnectionIds | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  async start(ctx: FrontendContext): Promise<void> {
    const { config, logger } = ctx;
    const ids = this.connectionIds(config);
    const binding = batchBinding(config.udp.io, logger);
    if (binding !== null) {
      this.startBatch(ctx, binding, ids);
      return;
    }
    const socket = await bind(config.udp.ip, config.udp.port, ctx.reusePort, logger);
    this.socket = socket;
    sizeBuffers(socket, config.udp.bufferSize, logger);
    const handler = new UdpHandler({
      tracker: ctx.tracker,
      ids,
      observer: ctx.observer,
      logger,
      sendLater: (out, len, to) => {
        if (!this.closed) socket.send(out, 0, len, to.port, to.address);
      },
    });
    this.handler = handler;

    const burst = new Burst<Buffer, string, number>(
      (msg, address, port) => {
        // Datagrams read before close() are dropped with the socket, as later ones are.
        if (this.closed) return;
        // A reply that met a full kernel buffer waits in the send queue still pointing at
        // the shared reply buffer; give the handler a new one rather than overwrite it.
        if (socket.getSendQueueCount() > 0) handler.renewBuffer();
        const n = handler.handle(msg, msg.length, address, port);
        if (n > 0) socket.send(handler.out, 0, n, port, address);
      },
      (err) => logger.error({ err }, 'udp send failed'),
    );
    socket.on('message', (msg, rinfo) => burst.push(msg, rinfo.address, rinfo.port));
    // Without a listener an 'error' event would end the process.
    socket.on('error', (err) => logger.warn({ err }, 'udp socket error'));

    const bound = socket.address();
    this.listening(bound.address, bound.port, ids, logger);
  }

  private startBatch(ctx: FrontendContext, binding: UdpBatchBinding, ids: ConnectionIds): void {
    const { config, logger } = ctx;
    const { ip, port, bufferSize } = config.udp;
    const socket = withIPv4Fallback(
      ip,
      (at) => new BatchSocket(binding, at, port, ctx.reusePort, bufferSize, logger),
      logger,
    );
    this.socket = socket;
    this.io = 'batch';
    const [recv, send] = socket.bufferSizes();
    reportBuffers(recv, send, bufferSize, logger);
    const handler = new UdpHandler({
      tracker: ctx.tracker,
      ids,
      observer: ctx.observer,
      logger,
      sendLater: socket.sendLater,
    });
    this.handler = handler;
    socket.start(handler);
    this.listening(socket.address, socket.port, ids, logger);
  }

  private connectionIds(config: Config): ConnectionIds {
    // Without a configured key, one random per process: a restart invalidates the ids it
    // gave out. Instances sharing a key accept each other's ids (DNS round-robin); worker
    // threads are handed the one their main thread drew.
    const hex = config.udp.connections.secret;
    const secret = hex === '' ? randomBytes(16) : Buffer.from(hex, 'hex');
    const ids = new ConnectionIds({ expiry: config.udp.connections.expiry, secret });
    this.ids = ids;
    return ids;
  }

  private listening(address: string, port: number, ids: ConnectionIds, logger: Logger): void {
    this.port = port;
    this.address = address;
    logger.info(
      { ip: address, port, io: this.io, connectionIdBucketMs: ids.bucketMs },
      'udp tracker listening',
    );
  }

  close(): Promise<void> {
    this.closed = true;
    this.ids?.close();
    const socket = this.socket;
    if (socket === undefined) return Promise.resolve();
    if (socket instanceof BatchSocket) return socket.close();
    this.closing ??= new Promise<void>((resolve) => socket.close(() => resolve()));
    return this.closing;
  }
}

/** The batch module when udp.io asks for it (or `auto` finds it), else null for node:dgram. */
function batchBinding(io: Config['udp']['io'], logger: Logger): UdpBatchBinding | null {
  if (io === 'dgram') return null;
  const binding = loadUdpBatch();
  if (binding !== null) return binding;
  if (io === 'batch') throw new ConfigError('udp.io', `batch I/O is not available: ${udpBatchMissing()}`);
  logger.info({ reason: udpBatchMissing() }, 'udp: batch I/O unavailable, using node:dgram');
  return null;
}

/** `::` on a host without IPv6: serve IPv4 alone rather than not at all. */
function isNoIPv6(ip: string, err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return ip === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL');
}

function withIPv4Fallback<T>(ip: string, open: (ip: string) => T, logger: Logger): T {
  try {
    return open(ip);
  } catch (err) {
    if (!isNoIPv6(ip, err)) throw err;
    logger.warn({ err }, 'udp: IPv6 unavailable, listening on 0.0.0.0 (IPv4 only)');
    return open('0.0.0.0');
  }
}

async function bind(ip: string, port: number, reusePort: boolean, logger: Logger): Promise<Socket> {
  try {
    return await bindOne(ip, port, reusePort);
  } catch (err) {
    if (!isNoIPv6(ip, err)) throw err;
    logger.warn({ err }, 'udp: IPv6 unavailable, listening on 0.0.0.0 (IPv4 only)');
    return bindOne('0.0.0.0', port, reusePort);
  }
}

/**
 * node:dgram resolves every send's address with dns.lookup, which for an IP literal
 * defers the send to a nextTick. Replies only ever go to the address a datagram came
 * from (rinfo.address, always a literal), so it is handed back at once and the send
 * happens in the same tick, without the deferral's closure and queue work.
 */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

function bindOne(ip: string, port: number, reusePort: boolean): Promise<Socket> {
  const socket = createSocket({
    type: ip.includes(':') ? 'udp6' : 'udp4',
    ipv6Only: false,
    reusePort,
    lookup: literalLookup as never,
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      try {
        socket.close();
      } catch {
        // already closed by the failed bind
      }
      reject(err);
    };
    socket.once('error', fail);
    socket.bind({ address: ip, port, exclusive: true }, () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/**
 * Ask for `size`-byte kernel buffers. Linux reports twice what was granted (it counts
 * its bookkeeping) and silently caps requests at net.core.rmem_max / wmem_max, so a
 * reported size below the request means the cap was hit: say so, with the fix.
 */
function sizeBuffers(socket: Socket, size: number, logger: Logger): void {
  try {
    socket.setRecvBufferSize(size);
    socket.setSendBufferSize(size);
  } catch (err) {
    logger.warn({ err, size }, 'udp: cannot set socket buffer sizes');
  }
  reportBuffers(socket.getRecvBufferSize(), socket.getSendBufferSize(), size, logger);
}

function reportBuffers(recv: number, send: number, size: number, logger: Logger): void {
  if (recv < size || send < size) {
    logger.warn(
      { wanted: size, recv, send },
      'udp: kernel capped the socket buffers; raise net.core.rmem_max and net.core.wmem_max',
    );
  } else {
    logger.info({ recv, send }, 'udp socket buffers');
  }
}
