// Per-torrent peer lists as segments of one shared Int32Array. Segments come in
// power-of-two size classes with a free list per class, so 100k small swarms cost a
// few bytes each instead of a JS array object apiece.

const CLASSES = 32;

export class ListPool {
  data: Int32Array;
  private top = 0;
  private readonly freeHead = new Int32Array(CLASSES).fill(-1);

  constructor(initial = 1024) {
    this.data = new Int32Array(initial);
  }

  /** Offset of a segment of 2^cls slots. */
  alloc(cls: number): number {
    const head = this.freeHead[cls]!;
    if (head >= 0) {
      this.freeHead[cls] = this.data[head]!;
      return head;
    }
    const size = 1 << cls;
    if (this.top + size > this.data.length) {
      let next = this.data.length * 2;
      while (this.top + size > next) next *= 2;
      const grown = new Int32Array(next);
      grown.set(this.data.subarray(0, this.top));
      this.data = grown;
    }
    const off = this.top;
    this.top += size;
    return off;
  }

  release(off: number, cls: number): void {
    this.data[off] = this.freeHead[cls]!;
    this.freeHead[cls] = off;
  }

  reset(): void {
    this.top = 0;
    this.freeHead.fill(-1);
  }
}
