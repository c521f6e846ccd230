// Helpers of the persistence tests: a store filled with known peers, a dump of a store's
// contents for comparisons, and a logger whose lines the test can read.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { Family } from '../../app/protocol/address.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { PUT_EVICTED, PUT_OK, type SwarmStore } from '../../app/swarm/store.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'trakx-persist-'));
}

export function newStore(): MemoryStore {
  return new MemoryStore({ maxTorrents: 1_000_000, maxPeersPerTorrent: 50_000 });
}

export function hash(n: number): Buffer {
  const h = Buffer.alloc(20, 0xa5);
  h.writeUInt32BE(n, 0);
  return h;
}

export function peerId(n: number): Buffer {
  const id = Buffer.from('-PT0001-000000000000', 'latin1');
  id.write(String(n).padStart(12, '0'), 8, 'latin1');
  return id;
}

export interface PeerSpec {
  torrent: number;
  family: Family;
  /** Address bytes (4 or 16). */
  addr: number[];
  port: number;
  id: number;
  seeder: boolean;
  completed?: boolean;
  seen: number;
}

export function putPeer(store: SwarmStore, p: PeerSpec): void {
  const res = store.put(
    hash(p.torrent),
    0,
    p.family,
    Uint8Array.from(p.addr),
    p.port,
    peerId(p.id),
    0,
    p.seeder,
    p.completed ?? false,
    p.seen,
  );
  if (res !== PUT_OK && res !== PUT_EVICTED) throw new Error(`put refused: ${res}`);
}

/** Every torrent and peer of a store as sorted lines, for deep comparisons. */
export function dump(store: SwarmStore): string[] {
  const lines: string[] = [];
  let current = '';
  let pos = 0;
  while (pos !== -1) {
    pos = store.visit(pos, 100, {
      torrent(h, off, downloaded) {
        current = Buffer.from(h.subarray(off, off + 20)).toString('hex');
        lines.push(`${current} downloaded=${downloaded}`);
      },
      peer(family, addrPort, addrOff, id, idOff, seeder, lastSeen) {
        const alen = family === 4 ? 6 : 18;
        const ap = Buffer.from(addrPort.subarray(addrOff, addrOff + alen)).toString('hex');
        const pid = Buffer.from(id.subarray(idOff, idOff + 20)).toString('latin1');
        lines.push(`${current} v${family} ${ap} ${pid} ${seeder ? 'seeder' : 'leecher'} ${lastSeen}`);
      },
    });
  }
  return lines.sort();
}

export interface CapturedLogger {
  logger: Logger;
  lines: () => { level: number; msg: string; [key: string]: unknown }[];
}

export function captureLogger(): CapturedLogger {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}
