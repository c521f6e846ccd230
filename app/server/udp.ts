// The UDP tracker socket: binds udp.ip:udp.port, sizes the kernel buffers, and passes
// each datagram to the UdpHandler (a burst at a time, see burst.ts), sending back
// whatever reply it built. With the default ip `::` one dual-stack socket serves IPv4
// (seen as ::ffff:a.b.c.d) and IPv6.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import type { Tracker } from '../tracker/tracker.ts';
import { Burst } from './burst.ts';
import type { RequestObserver } from './observer.ts';
import { ConnectionIds } from './udp-connection-id.ts';
import { UdpHandler } from './udp-handler.ts';

export interface UdpServerOptions {
  tracker: Tracker;
  logger: Logger;
  observer?: RequestObserver;
  ip: string;
  port: number;
  /** Wanted SO_RCVBUF / SO_SNDBUF in bytes. */
  bufferSize: number;
  /** Connection id lifetime in seconds. */
  expiry: number;
  numwantDefault: number;
  /** Millisecond clock for connection ids (tests). */
  now?: () => number;
}

export interface UdpServer {
  /** Bound port. */
  readonly port: number;
  /** Bound address. */
  readonly address: string;
  readonly handler: UdpHandler;
  close(): Promise<void>;
}

export async function startUdpServer(opts: UdpServerOptions): Promise<UdpServer> {
  const { logger } = opts;
  const socket = await bind(opts.ip, opts.port, logger);
  sizeBuffers(socket, opts.bufferSize, logger);
  // One random key per process: a restart invalidates the ids it gave out.
  const ids = new ConnectionIds({ expiry: opts.expiry, now: opts.now, secret: randomBytes(16) });
  const handler = new UdpHandler({
    tracker: opts.tracker,
    ids,
    numwantDefault: opts.numwantDefault,
    observer: opts.observer,
    logger,
  });

  let closed = false;
  const burst = new Burst<Buffer, string, number>(
    (msg, address, port) => {
      // Datagrams read before close() are dropped with the socket, as later ones are.
      if (closed) return;
      // A reply that met a full kernel buffer waits in the send queue still pointing at
      // the shared reply buffer; give the handler a new one rather than overwrite it.
      if (socket.getSendQueueCount() > 0) handler.renewBuffer();
      const n = handler.handle(msg, msg.length, address);
      if (n > 0) socket.send(handler.out, 0, n, port, address);
    },
    (err) => logger.error({ err }, 'udp send failed'),
  );
  socket.on('message', (msg, rinfo) => burst.push(msg, rinfo.address, rinfo.port));
  // Without a listener an 'error' event would end the process.
  socket.on('error', (err) => logger.warn({ err }, 'udp socket error'));

  const bound = socket.address();
  let closing: Promise<void> | undefined;
  logger.info(
    { ip: bound.address, port: bound.port, connectionIdBucketMs: ids.bucketMs },
    'udp tracker listening',
  );
  return {
    port: bound.port,
    address: bound.address,
    handler,
    close() {
      closed = true;
      ids.close();
      closing ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closing;
    },
  };
}

async function bind(ip: string, port: number, logger: Logger): Promise<Socket> {
  try {
    return await bindOne(ip, port);
  } catch (err) {
    // `::` on a host without IPv6: serve IPv4 alone rather than not at all.
    const code = (err as NodeJS.ErrnoException).code;
    if (ip !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
    logger.warn({ err }, 'udp: IPv6 unavailable, listening on 0.0.0.0 (IPv4 only)');
    return bindOne('0.0.0.0', port);
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

function bindOne(ip: string, port: number): Promise<Socket> {
  const socket = createSocket({
    type: ip.includes(':') ? 'udp6' : 'udp4',
    ipv6Only: false,
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
  const recv = socket.getRecvBufferSize();
  const send = socket.getSendBufferSize();
  if (recv < size || send < size) {
    logger.warn(
      { wanted: size, recv, send },
      'udp: kernel capped the socket buffers; raise net.core.rmem_max and net.core.wmem_max',
    );
  } else {
    logger.info({ recv, send }, 'udp socket buffers');
  }
}
