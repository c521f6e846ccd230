// The native batch UDP I/O (native/udp-batch.c), compiled by `npm run build` into
// dist/udp-batch.node where a C compiler is found. Loaded once per thread; absent (another
// platform, no compiler), trakx uses node:dgram.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The module's functions; buffers and meta layout as native/udp-batch.c describes. */
export interface UdpBatchBinding {
  readonly BATCH: number;
  /** Datagram i is read at i·RSTRIDE; reply i is sent from i·SSLOT (at most SSLOT bytes). */
  readonly RSTRIDE: number;
  readonly SSLOT: number;
  readonly META: number;
  open(
    v6: boolean,
    address: Uint8Array,
    port: number,
    reusePort: boolean,
    recvBufferSize: number,
    sendBufferSize: number,
  ): UdpBatchHandle;
  /** [port, receive buffer, send buffer] as the kernel reports them. */
  info(h: UdpBatchHandle): [number, number, number];
  start(
    h: UdpBatchHandle,
    rbuf: Buffer,
    rmeta: Buffer,
    sbuf: Buffer,
    smeta: Buffer,
    onBatch: (count: number) => void,
  ): void;
  flush(h: UdpBatchHandle, count: number): number;
  sendTo(
    h: UdpBatchHandle,
    buf: Uint8Array,
    len: number,
    family: number,
    address: Uint8Array,
    port: number,
  ): boolean;
  close(h: UdpBatchHandle): void;
}

declare const handleBrand: unique symbol;
export type UdpBatchHandle = { readonly [handleBrand]: true };

export const UDP_BATCH_FILE = 'udp-batch.node';

let loaded: UdpBatchBinding | null | undefined;
let why = '';

/** Where the module may be: beside the bundle (dist/), or dist/ when running from app/. */
function candidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, UDP_BATCH_FILE), join(here, '..', '..', 'dist', UDP_BATCH_FILE)];
}

/**
 * The module, or null (see udpBatchMissing() for why); `file` names it for code bundled
 * elsewhere (the bench's load generator). The first call decides for the thread.
 */
export function loadUdpBatch(file?: string): UdpBatchBinding | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.platform !== 'linux') {
    why = `not built for ${process.platform}`;
    return null;
  }
  return open((file === undefined ? candidates() : [file]).find((f) => existsSync(f)));
}

function open(file: string | undefined): UdpBatchBinding | null {
  if (file === undefined) {
    why = `${UDP_BATCH_FILE} was not built (npm run build needs a C compiler)`;
    return null;
  }
  try {
    const mod = { exports: {} as UdpBatchBinding };
    process.dlopen(mod, file);
    loaded = mod.exports;
    return loaded;
  } catch (err) {
    why = `${file}: ${(err as Error).message}`;
    return null;
  }
}

/** Why loadUdpBatch() returned null. */
export function udpBatchMissing(): string {
  return why;
}
