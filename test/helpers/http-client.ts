// Minimal HTTP GET over a real socket, returning raw bytes (bencoded replies are binary).

import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface GetOptions {
  headers?: Record<string, string | string[]>;
  /** Source address of the connection (e.g. 127.0.0.7: all of 127.0.0.0/8 reaches the host). */
  localAddress?: string;
}

export function get(host: string, port: number, path: string, opts: GetOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path,
        method: 'GET',
        headers: opts.headers ?? {},
        localAddress: opts.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Percent-encode every byte (binary-safe, as clients do for info_hash and peer_id). */
export function pct(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += `%${b.toString(16).padStart(2, '0')}`;
  return s;
}
