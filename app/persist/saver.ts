// Saves the store to a snapshot file without stalling request handling: torrents are
// encoded a chunk at a time (sized to about 2 ms of work and 256 KiB) and each chunk is
// written with an asynchronous write, which hands the event loop back to requests. The
// store may change between chunks; the snapshot is then a near-consistent picture (a
// torrent touched mid-save may be missed or, if it moved, seen twice — restore merges
// duplicates), never a broken file, because the counts and checksums in the header are
// those of the bytes actually written, patched in once the body is complete.
//
// Saves are serialized: a save requested while one runs waits for it and then runs once
// for everyone who asked meanwhile, so its picture is never older than the request.

import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import type { StoreAdmin } from '../swarm/store.ts';
import { syncDir, tempPathFor, unlinkQuiet } from './files.ts';
import { encodeHeader, FORMAT_VERSION, HEADER_SIZE } from './format.ts';
import { BodyWriter } from './writer.ts';

export interface SaveResult {
  path: string;
  /** Unix milliseconds when the save started (also in the file's header). */
  created: number;
  torrents: number;
  peers4: number;
  peers6: number;
  /** Unix milliseconds when the snapshot was in place (renamed and the directory synced). */
  finished: number;
  /** File size. */
  bytes: number;
  /** Wall time of the whole save, including the writes and fsyncs. */
  ms: number;
  /** Longest synchronous encode step: how long requests could have been held up. */
  maxChunkMs: number;
  chunks: number;
}

export interface SaverOptions {
  path: string;
  /** Aim for chunks of about this many encoded bytes (default 256 KiB)… */
  chunkBytes?: number;
  /** …and this many milliseconds of encoding (default 2). */
  chunkMs?: number;
  logger?: Logger;
}

const MAX_TORRENTS_PER_CHUNK = 65536;

export class SnapshotSaver {
  private running: Promise<SaveResult> | null = null;
  private queued: Promise<SaveResult> | null = null;
  private readonly writer = new BodyWriter();
  private readonly header = Buffer.alloc(HEADER_SIZE);

  constructor(
    private readonly store: StoreAdmin,
    private readonly opts: SaverOptions,
  ) {}

  get path(): string {
    return this.opts.path;
  }

  /** Whether a save is in progress. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Save now, or right after the save in progress (requests made meanwhile share it). */
  save(): Promise<SaveResult> {
    if (this.queued) return this.queued;
    if (this.running) {
      const after = this.running.then(
        () => undefined,
        () => undefined,
      );
      this.queued = after.then(() => {
        this.queued = null;
        return this.start();
      });
      return this.queued;
    }
    return this.start();
  }

  private start(): Promise<SaveResult> {
    const run: Promise<SaveResult> = this.write().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async write(): Promise<SaveResult> {
    const path = this.opts.path;
    const bytesTarget = this.opts.chunkBytes ?? 256 * 1024;
    const msTarget = this.opts.chunkMs ?? 2;
    const created = Date.now();
    const t0 = performance.now();
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = tempPathFor(path);
    const fh = await open(tmp, 'w', 0o600);
    const w = this.writer;
    w.torrents = 0;
    w.peers4 = 0;
    w.peers6 = 0;
    let bodySize = 0;
    let crc = 0;
    let maxChunkMs = 0;
    let chunks = 0;
    try {
      let pos = 0;
      // Start small: the first chunks also run before the encoder is optimised.
      let per = 16;
      while (pos !== -1) {
        const c0 = performance.now();
        const before = w.torrents;
        w.reset();
        pos = this.store.visit(pos, per, w);
        w.endChunk();
        if (w.length > 0) crc = crc32(w.buf.subarray(0, w.length), crc);
        const seen = w.torrents - before;
        const ms = performance.now() - c0;
        maxChunkMs = Math.max(maxChunkMs, ms);
        // Next chunk: about `chunkBytes` and `chunkMs` at this chunk's rate, growing at
        // most 2x a chunk so the first, not yet optimised, chunks stay short too.
        if (seen > 0 && w.length > 0) {
          const byBytes = (bytesTarget * seen) / w.length;
          const byTime = ms > 0 ? (msTarget * seen) / ms : byBytes;
          per = Math.max(1, Math.floor(Math.min(2 * per, MAX_TORRENTS_PER_CHUNK, byBytes, byTime)));
        }
        chunks++;
        if (w.length > 0) {
          await fh.write(w.buf, 0, w.length, HEADER_SIZE + bodySize);
          bodySize += w.length;
        } else {
          await yieldToEventLoop();
        }
      }
      const header = encodeHeader(
        {
          version: FORMAT_VERSION,
          created,
          torrents: w.torrents,
          peers4: w.peers4,
          peers6: w.peers6,
          bodyCrc: crc >>> 0,
          bodySize,
        },
        this.header,
      );
      await fh.write(header, 0, HEADER_SIZE, 0);
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      unlinkQuiet(tmp);
      throw err;
    }
    await fh.close();
    await rename(tmp, path);
    await syncDir(dirname(path));
    const result: SaveResult = {
      path,
      created,
      finished: Date.now(),
      torrents: w.torrents,
      peers4: w.peers4,
      peers6: w.peers6,
      bytes: HEADER_SIZE + bodySize,
      ms: performance.now() - t0,
      maxChunkMs,
      chunks,
    };
    this.opts.logger?.info(
      {
        path,
        torrents: result.torrents,
        peers: result.peers4 + result.peers6,
        bytes: result.bytes,
        ms: Math.round(result.ms),
        maxChunkMs: Math.round(result.maxChunkMs * 100) / 100,
      },
      'snapshot saved',
    );
    return result;
  }
}
