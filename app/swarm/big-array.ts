// Typed arrays for the store's big tables. Large ones live in memory the engine maps
// itself (a WebAssembly.Memory: fresh mmap'd pages, never touched until written)
// instead of malloc, and they grow in place: V8 reserves a memory's whole address
// range up front, so Memory.grow() only makes more of it usable. A table that grows
// therefore never leaves an old copy behind for the collector.
//
// A replaced mapped table would be unmapped only at V8's next full collection, which a
// heap that barely grows may not run for a long time; forcing collections instead sent
// V8 down slow paths in Node's stream code for good. Small arrays stay on the heap.

const PAGE = 65536;
const MAPPED_FROM = PAGE;

/** The memory behind each mapped buffer (its current one: grow() replaces the buffer). */
const memories = new WeakMap<ArrayBuffer, WebAssembly.Memory>();

function buffer(bytes: number): ArrayBuffer {
  if (bytes >= MAPPED_FROM) {
    try {
      const m = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
      memories.set(m.buffer, m);
      return m.buffer;
    } catch {
      // No address space for another memory (e.g. a low `ulimit -v`): use the heap.
    }
  }
  return new ArrayBuffer(bytes);
}

export function u8(n: number): Uint8Array {
  return new Uint8Array(buffer(n), 0, n);
}

export function i32(n: number): Int32Array {
  return new Int32Array(buffer(n * 4), 0, n);
}

type Table = Uint8Array | Int32Array;

function view<T extends Table>(like: T, b: ArrayBuffer, n: number): T {
  return (like instanceof Uint8Array ? new Uint8Array(b, 0, n) : new Int32Array(b, 0, n)) as T;
}

/** The memory's buffer grown to hold `bytes`, or null when it cannot grow (then the caller copies). */
function grownInPlace(m: WebAssembly.Memory, bytes: number): ArrayBuffer | null {
  const have = m.buffer.byteLength;
  if (bytes > have) {
    try {
      m.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return null;
    }
    memories.set(m.buffer, m);
  }
  return m.buffer;
}

/**
 * `old` with room for n elements: its contents kept, the rest zero. A mapped table
 * grows in place (the old view is detached: use the returned one); others are copied.
 * n below old's length gives the first n elements of the same memory.
 */
export function grown<T extends Table>(old: T, n: number): T {
  const bytes = n * old.BYTES_PER_ELEMENT;
  const m = old.byteOffset === 0 ? memories.get(old.buffer as ArrayBuffer) : undefined;
  // Read before growing: growing detaches old's buffer.
  const len = old.length;
  const had = old.buffer.byteLength / old.BYTES_PER_ELEMENT;
  const b = m === undefined ? null : grownInPlace(m, bytes);
  if (b !== null) {
    const next = view(old, b, n);
    // Freshly grown pages are zero (and stay untouched, so not resident); only the
    // old buffer's part past old's end may hold data (a shorter view was taken since).
    if (n > len) next.fill(0, len, Math.min(n, had));
    return next;
  }
  const next = view(old, buffer(bytes), n);
  next.set(n < old.length ? (old.subarray(0, n) as never) : (old as never));
  return next;
}
