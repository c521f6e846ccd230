// HTTP announces over raw sockets (any source address on 127/8, any headers), the
// limit-hit counters from /metrics, and the peers the store holds for one torrent.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Service } from '../../app/service.ts';
import { bdecode } from '../helpers/bdecode.ts';
import { pct } from '../helpers/http-client.ts';
import { bodyOf, getRequest, rawHttp } from './raw-http.ts';

export interface Announce {
  hash: Buffer;
  port: number;
  id?: Buffer;
  event?: string;
  from?: string;
  xff?: string;
  host?: string;
}

export type Reply = Record<string, unknown>;

export async function announce(svc: Service, a: Announce): Promise<Reply> {
  const q =
    `info_hash=${pct(a.hash)}&peer_id=${pct(a.id ?? randomBytes(20))}&port=${a.port}` +
    `&uploaded=0&downloaded=0&left=10${a.event ? `&event=${a.event}` : ''}`;
  const headers = a.xff ? `X-Forwarded-For: ${a.xff}\r\nX-Real-IP: 9.9.9.9\r\n` : '';
  const res = await rawHttp(svc.httpPort, getRequest(`/announce?${q}`, headers), {
    host: a.host ?? '127.0.0.1',
    localAddress: a.from,
  });
  assert.equal(res.status, 200);
  return bdecode(bodyOf(res.data)) as Reply;
}

export function failure(r: Reply): string | undefined {
  const f = r['failure reason'];
  return f === undefined ? undefined : String(f);
}

/** trakx_limit_hits_total by limit, read from /metrics. */
export async function limitHits(svc: Service): Promise<Record<string, number>> {
  const res = await rawHttp(svc.metricsPort, getRequest('/metrics'));
  assert.equal(res.status, 200, '/metrics answers');
  const out: Record<string, number> = {};
  for (const m of bodyOf(res.data)
    .toString()
    .matchAll(/^trakx_limit_hits_total\{limit="(\w+)"\} (\d+)/gm)) {
    out[m[1]] = Number(m[2]);
  }
  assert.ok('rate' in out, 'the limit counter is exported');
  return out;
}

/** Addresses stored for one torrent, as text ("a.b.c.d:port" or "[v6]:port"). */
export function peersOf(svc: Service, hash: Buffer): string[] {
  const hex = hash.toString('hex');
  const dump: string[] = [];
  let current = '';
  for (let from = 0; from >= 0; ) {
    from = svc.store.visit(from, 1 << 20, {
      torrent(h, off) {
        current = Buffer.from(h.subarray(off, off + 20)).toString('hex');
      },
      peer(family, ap, off) {
        if (current !== hex) return;
        const len = family === 4 ? 4 : 16;
        const addr = Buffer.from(ap.subarray(off, off + len));
        const port = addr.length === 4 ? ap[off + 4] * 256 + ap[off + 5] : ap[off + 16] * 256 + ap[off + 17];
        dump.push(family === 4 ? `${[...addr].join('.')}:${port}` : `[${addr.toString('hex')}]:${port}`);
      },
    });
  }
  return dump.sort();
}
