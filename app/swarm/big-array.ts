// Typed arrays for the store's big tables. Large ones live in memory the engine maps
// itself (a WebAssembly.Memory: fresh mmap'd pages, unmapped when collected) instead of
// malloc: the store replaces its tables as they grow, and glibc keeps freed heap
// chunks of these sizes mapped, so a tracker that grew to 1M peers would carry its old
// tables in RSS for good (measured: ~37 B/peer). Small arrays stay on the normal heap.

const PAGE = 65536;
const MAPPED_FROM = PAGE;

function buffer(bytes: number): ArrayBuffer {
  if (bytes >= MAPPED_FROM) {
    try {
      return new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) }).buffer;
    } catch {
      // No address space for another memory (e.g. a low `ulimit -v`): use the heap.
    }
  }
  return new ArrayBuffer(bytes);
}

export function u8(n: number): Uint8Array {
  return new Uint8Array(buffer(n), 0, n);
}

export function u32(n: number): Uint32Array {
  return new Uint32Array(buffer(n * 4), 0, n);
}

export function i32(n: number): Int32Array {
  return new Int32Array(buffer(n * 4), 0, n);
}

/** A bigger array of the same kind holding old's contents (the rest zero). */
export function grown<T extends Uint8Array | Uint32Array | Int32Array>(old: T, n: number): T {
  const next = (old instanceof Uint8Array ? u8(n) : old instanceof Uint32Array ? u32(n) : i32(n)) as T;
  next.set(old as never);
  return next;
}
