// TableMemory over SharedArrayBuffers, for a store several threads use at once. Each
// table is one growable SharedArrayBuffer: it reserves its most (`max`) up front and
// grows in place, so every thread keeps the same buffer and only its views go stale.
// Views are fixed-length (views that track a growable buffer's length are many times
// slower): a generation word changes whenever any table grows, and a thread that sees
// a new one rebuilds its views before it touches anything. Every scalar lives in the
// shared headers, never in a thread's own fields.
//
// Buffers can only be handed to another thread when it starts, so every table is
// created with the store and none is ever replaced.

import { reviewed, type TableMemory } from '../table-memory.ts';

/** The memory of one store: what a thread needs to attach to it (structured-cloneable). */
export interface SharedParts {
  /** Int32 header words; word 0 is the generation. */
  ints: SharedArrayBuffer;
  floats: SharedArrayBuffer;
  /** The tables, in the order the store creates them. */
  tables: SharedArrayBuffer[];
}

// Growable SharedArrayBuffers are ES2024; the project's TypeScript lib is ES2022.
type Growable = SharedArrayBuffer & { grow(bytes: number): void };
const Growable = SharedArrayBuffer as unknown as new (
  bytes: number,
  o: { maxByteLength: number },
) => Growable;

const GEN = 0;
/** Header words: room for every table's scalars (the list pool's per-class heads are most). */
const INTS = 1024;
const FLOATS = 64;

export function newParts(): SharedParts {
  return { ints: new SharedArrayBuffer(INTS * 4), floats: new SharedArrayBuffer(FLOATS * 8), tables: [] };
}

export class SharedMemory implements TableMemory {
  private readonly header: Int32Array;
  private nextInt = GEN + 1;
  private nextFloat = 0;
  private nextTable = 0;
  /** The generation this thread's views belong to. */
  private seen = 0;

  constructor(
    private readonly parts: SharedParts,
    readonly attached: boolean,
  ) {
    this.header = new Int32Array(parts.ints);
    this.seen = this.header[GEN];
  }

  /** Whether a table grew since this thread last looked (then it must rebuild its views). */
  stale(): boolean {
    const gen = this.header[GEN];
    if (gen === this.seen) return false;
    this.seen = gen;
    return true;
  }

  ints(n: number): Int32Array {
    const at = this.nextInt;
    if (at + n > INTS) throw new RangeError('shared store header full');
    this.nextInt = at + n;
    return new Int32Array(this.parts.ints, at * 4, n);
  }

  floats(n: number): Float64Array {
    const at = this.nextFloat;
    if (at + n > FLOATS) throw new RangeError('shared store header full');
    this.nextFloat = at + n;
    return new Float64Array(this.parts.floats, at * 8, n);
  }

  private table(bytes: number, maxBytes: number): SharedArrayBuffer {
    if (this.attached) {
      const sab = this.parts.tables[this.nextTable++];
      if (sab === undefined) throw new RangeError('shared store: more tables than were made');
      return sab;
    }
    const sab = new Growable(bytes, { maxByteLength: Math.max(bytes, maxBytes) });
    this.parts.tables.push(sab);
    this.nextTable++;
    return sab;
  }

  i32(n: number, max: number): Int32Array {
    return new Int32Array(this.table(n * 4, max * 4), 0, n);
  }

  u8(n: number, max: number): Uint8Array {
    return new Uint8Array(this.table(n, max), 0, n);
  }

  grown<T extends Uint8Array | Int32Array>(old: T, n: number): T {
    const sab = old.buffer as Growable;
    const size = old.BYTES_PER_ELEMENT;
    const had = sab.byteLength / size;
    // Throws RangeError past the table's reserved most: the store's bounds say how big.
    if (n * size > sab.byteLength) sab.grow(n * size);
    // Before the caller writes its new size to the header: a thread that dies in
    // between leaves views that are still correct for the old size.
    this.header[GEN]++;
    this.seen = this.header[GEN];
    const next = reviewed(old, n);
    // Freshly grown bytes are zero; only what lay past old's view may hold data.
    if (n > old.length) next.fill(0, old.length, Math.min(n, had));
    return next;
  }
}
