// Helpers of the persistence tests: a store filled with known peers, and a logger whose
// lines the test can read.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { Family } from '../../app/bittorrent/family.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { type LocalStore, PUT_EVICTED, PUT_OK } from '../../app/swarm/store.ts';
import { infoHash, peerId } from '../helpers/ids.ts';
import { put } from '../helpers/store-ops.ts';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'trakx-persist-'));
}

export function newStore(): MemoryStore {
  return new MemoryStore({ maxTorrents: 1_000_000, maxPeersPerTorrent: 50_000 });
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

export function putPeer(store: LocalStore, p: PeerSpec): void {
  const res = put(store, infoHash(p.torrent), p.family, Uint8Array.from(p.addr), p.port, {
    id: peerId(p.id),
    seeder: p.seeder,
    completed: p.completed ?? false,
    now: p.seen,
  });
  if (res !== PUT_OK && res !== PUT_EVICTED) throw new Error(`put refused: ${res}`);
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
