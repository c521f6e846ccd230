// Deny and allow lists of info_hashes (DMCA takedowns, private trackers). A list file
// holds one 40-character hex info_hash per line; `#` starts a comment, blank lines are
// ignored, anything else is an error naming the line. Membership is exact: the hashes
// are kept sorted in one flat buffer and found by binary search, so a lookup allocates
// nothing and never answers yes for a hash that is not listed (unlike a bloom filter,
// whose false positives would refuse innocent torrents).
//
// ListFile keeps the current list of one file and replaces it on reload() (SIGHUP) or
// when the file changes (polled with fs.watchFile, which also sees files replaced by
// rename as editors and `mv` do). A reload that fails keeps the old list and logs why.

import { readFileSync, unwatchFile, watchFile } from 'node:fs';

export class InfohashSet {
  private constructor(
    /** Sorted, 20 bytes per hash, no duplicates. */
    private readonly sorted: Uint8Array,
    readonly size: number,
  ) {}

  static readonly EMPTY = new InfohashSet(new Uint8Array(0), 0);

  /** Parse list text; throws an Error naming the first bad line. */
  static parse(text: string): InfohashSet {
    const hashes: Buffer[] = [];
    const lines = text.split('\n');
    for (let n = 0; n < lines.length; n++) {
      let line = lines[n];
      const hash = line.indexOf('#');
      if (hash >= 0) line = line.slice(0, hash);
      line = line.trim();
      if (line === '') continue;
      if (!/^[0-9a-fA-F]{40}$/.test(line)) {
        const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
        throw new Error(`line ${n + 1}: ${JSON.stringify(shown)} is not a 40-character hex info_hash`);
      }
      hashes.push(Buffer.from(line, 'hex'));
    }
    hashes.sort(Buffer.compare);
    const sorted = new Uint8Array(hashes.length * 20);
    let size = 0;
    for (let i = 0; i < hashes.length; i++) {
      if (i > 0 && hashes[i].equals(hashes[i - 1])) continue;
      sorted.set(hashes[i], size * 20);
      size++;
    }
    return new InfohashSet(sorted.subarray(0, size * 20), size);
  }

  has(hash: Uint8Array, off: number): boolean {
    const s = this.sorted;
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const base = mid * 20;
      let c = 0;
      for (let k = 0; k < 20; k++) {
        c = s[base + k] - hash[off + k];
        if (c !== 0) break;
      }
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/** Where reloads report (a pino logger fits). */
export interface ListLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class ListFile {
  private set: InfohashSet;
  private watching = false;
  /** Called after every successful reload (e.g. to drop newly denied torrents). */
  onChange: (() => void) | null = null;

  /** Reads the file at once; throws (with the reason) when it cannot be used. */
  constructor(
    readonly path: string,
    readonly role: string,
    private readonly log: ListLog,
  ) {
    this.set = this.read();
    log.info({ list: role, path, hashes: this.set.size }, 'info_hash list loaded');
  }

  get size(): number {
    return this.set.size;
  }

  has(hash: Uint8Array, off: number): boolean {
    return this.set.has(hash, off);
  }

  private read(): InfohashSet {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${this.path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    try {
      return InfohashSet.parse(text);
    } catch (err) {
      throw new Error(`${this.path}: ${(err as Error).message}`);
    }
  }

  /** Re-read the file. On failure the current list stays in force. Returns success. */
  reload(): boolean {
    let next: InfohashSet;
    try {
      next = this.read();
    } catch (err) {
      this.log.error(
        { list: this.role, path: this.path, reason: (err as Error).message, kept: this.set.size },
        'info_hash list reload failed; keeping the previous list',
      );
      return false;
    }
    this.set = next;
    this.log.info({ list: this.role, path: this.path, hashes: next.size }, 'info_hash list reloaded');
    this.onChange?.();
    return true;
  }

  /** Reload whenever the file's size or modification time changes (polled every intervalMs). */
  watch(intervalMs: number): void {
    if (this.watching) return;
    this.watching = true;
    watchFile(this.path, { interval: intervalMs, persistent: false }, this.changed);
  }

  private readonly changed = (
    cur: { mtimeMs: number; size: number },
    prev: { mtimeMs: number; size: number },
  ) => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size) return;
    this.reload();
  };

  close(): void {
    if (!this.watching) return;
    this.watching = false;
    unwatchFile(this.path, this.changed);
  }
}
