// Shared pieces of the fuzz tests: a seeded PRNG (failures replay exactly), a dump of
// the whole store for before/after comparison, and a watch on process-level failures.

import { createHash } from 'node:crypto';
import type { SwarmStore } from '../../app/swarm/store.ts';

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * Everything the store holds except last-seen times (good re-announces refresh those):
 * torrents with their downloaded counts, peers with address, port, peer_id and seeder
 * flag. Returned as a digest plus the raw line count.
 */
export function dumpStore(store: SwarmStore): { digest: string; lines: number } {
  const lines: string[] = [];
  let current = '';
  for (let from = 0; from >= 0; ) {
    from = store.visit(from, 1 << 20, {
      torrent(hash, off, downloaded) {
        current = Buffer.from(hash.subarray(off, off + 20)).toString('hex');
        lines.push(`t ${current} ${downloaded}`);
      },
      peer(family, addrPort, off, peerId, idOff, seeder) {
        const len = family === 4 ? 6 : 18;
        const a = Buffer.from(addrPort.subarray(off, off + len)).toString('hex');
        const id = Buffer.from(peerId.subarray(idOff, idOff + 20)).toString('hex');
        lines.push(`p ${current} ${family} ${a} ${id} ${seeder ? 1 : 0}`);
      },
    });
  }
  // Store order changes with swaps inside peer lists; sorted lines compare contents only.
  lines.sort();
  return { digest: createHash('sha256').update(lines.join('\n')).digest('hex'), lines: lines.length };
}

/** Counts uncaught exceptions and unhandled rejections while installed. */
export class ProcessWatch {
  readonly errors: unknown[] = [];
  private readonly onError = (err: unknown) => {
    this.errors.push(err);
  };
  install(): this {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
    return this;
  }
  uninstall(): void {
    process.off('uncaughtException', this.onError);
    process.off('unhandledRejection', this.onError);
  }
}

/** Anything that looks like a stack trace or an internal path in a reply body. */
export const LEAK = /\bat [\w.<>]+ \(|node_modules|\/app\/|\.ts:\d|\.js:\d|Error:|errno|EADDR|ECONN/;
