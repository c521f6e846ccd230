// Typed arrays for the store's big tables. Large ones live in memory the engine maps
// itself (a WebAssembly.Memory: fresh mmap'd pages, unmapped when collected) instead of
// malloc: the store replaces its tables as they grow, and glibc keeps freed heap
// chunks of these sizes mapped, so a tracker that grew to 1M peers would carry its old
// tables in RSS for good (measured: ~37 B/peer). Small arrays stay on the normal heap.
//
// A replaced table is unmapped only when V8 next runs a full collection, and a heap
// that barely grows may not run one for a long time: after a 1M-peer load the list
// pool's pre-compaction copy alone held 8 MB (8 B/peer). So the store hands replaced
// tables to retire(), and once a few MB are waiting a full collection runs right after
// the current request (a few ms on this small heap; tables grow geometrically, so that
// is a few dozen times on the way to a million peers) and gives them back.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const PAGE = 65536;
const MAPPED_FROM = PAGE;
/** Retired mapped bytes that are worth a full collection. */
const COLLECT_FROM = 4 << 20;
/** Long enough for the retiring code to drop its last reference, short enough to be prompt. */
const COLLECT_DELAY_MS = 10;

const mapped = new WeakSet<ArrayBuffer>();
let retired = 0;
let pending: NodeJS.Timeout | undefined;
let collect: (() => void) | null | undefined;

function buffer(bytes: number): ArrayBuffer {
  if (bytes >= MAPPED_FROM) {
    try {
      const b = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) }).buffer;
      mapped.add(b);
      return b;
    } catch {
      // No address space for another memory (e.g. a low `ulimit -v`): use the heap.
    }
  }
  return new ArrayBuffer(bytes);
}

/** V8's full collection, reached without a command-line flag; null where refused. */
function engineCollector(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/**
 * A table the store no longer uses (replaced by a bigger or compacted one): its pages
 * go back to the system soon rather than at V8's next full collection.
 */
export function retire(old: ArrayBufferView): void {
  const b = old.buffer as ArrayBuffer;
  if (!mapped.has(b)) return;
  mapped.delete(b);
  retired += b.byteLength;
  if (retired < COLLECT_FROM || pending !== undefined) return;
  collect ??= engineCollector();
  if (collect === null) return;
  pending = setTimeout(() => {
    pending = undefined;
    retired = 0;
    collect?.();
  }, COLLECT_DELAY_MS);
  pending.unref();
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
  retire(old);
  return next;
}
