// Raw HTTP over a real TCP socket: send exactly these bytes (malformed ones included),
// collect whatever comes back until the server closes or a deadline passes.

import { connect } from 'node:net';

export interface RawResult {
  /** Everything the server sent. */
  data: Buffer;
  /** HTTP status of the first response, or 0 when none came. */
  status: number;
  /** The server closed the connection (rather than the deadline passing). */
  closed: boolean;
  /** Milliseconds from connect to close (or the deadline). */
  ms: number;
}

export interface RawOptions {
  host?: string;
  localAddress?: string;
  /** Give up (and destroy the socket) after this long. */
  timeoutMs?: number;
  /** Half-close after writing, as a client with nothing more to send does. */
  end?: boolean;
  /** Pause between the given chunks (slow senders). */
  chunkDelayMs?: number;
}

export function rawHttp(port: number, chunks: Buffer | Buffer[], opts: RawOptions = {}): Promise<RawResult> {
  const parts = Array.isArray(chunks) ? chunks : [chunks];
  const start = performance.now();
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    let done = false;
    const socket = connect({ host: opts.host ?? '127.0.0.1', port, localAddress: opts.localAddress });
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      let data = Buffer.concat(got);
      // Interim 1xx responses (100 Continue) precede the real one.
      while (/^HTTP\/1\.[01] 1\d\d /.test(data.subarray(0, 16).toString('latin1'))) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) break;
        data = data.subarray(end + 4);
      }
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.subarray(0, 16).toString('latin1'));
      resolve({ data, status: m ? Number(m[1]) : 0, closed, ms: performance.now() - start });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('close', () => finish(true));
    // Resets after the server closes on us mid-write are part of the game.
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (let i = 0; i < parts.length; i++) {
        if (done) return;
        if (i > 0 && opts.chunkDelayMs) await new Promise((r) => setTimeout(r, opts.chunkDelayMs));
        if (done) return;
        socket.write(parts[i]);
      }
      if (opts.end !== false) socket.end();
    });
  });
}

/** The bytes of a well-formed GET that asks the server to close afterwards. */
export function getRequest(target: string, extraHeaders = ''): Buffer {
  return Buffer.from(
    `GET ${target} HTTP/1.1\r\nHost: t\r\n${extraHeaders}Connection: close\r\n\r\n`,
    'latin1',
  );
}

/** Body of the first response (Content-Length bytes after the blank line), or empty. */
export function bodyOf(data: Buffer): Buffer {
  const i = data.indexOf('\r\n\r\n');
  if (i < 0) return Buffer.alloc(0);
  const m = /\r\ncontent-length: *(\d+)/i.exec(data.subarray(0, i + 2).toString('latin1'));
  const end = m ? i + 4 + Number(m[1]) : data.length;
  return data.subarray(i + 4, end);
}
