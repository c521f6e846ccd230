// GET /scrape (BEP 48): one or more info_hash parameters → `files` dict with
// complete / downloaded / incomplete per hash (zeros for unknown hashes).

import type { FastifyInstance } from 'fastify';
import { ScrapeEncoder } from '../protocol/announce-response.ts';
import { encodeFailure } from '../protocol/bencode.ts';
import type { SwarmCounts } from '../swarm/store.ts';
import { FAIL_INFO_HASH, FAIL_NO_HASHES, FAIL_TOO_MANY_HASHES, type Failure } from '../tracker/failures.ts';
import { type HttpTrackerDeps, rawQuery } from './http-announce.ts';
import { bencodedReply } from './http-reply.ts';
import {
  ACTION_SCRAPE,
  LIMIT_SCRAPE_HASHES,
  PROTO_HTTP,
  RESULT_CLIENT_ERROR,
  RESULT_OK,
  RESULT_SERVER_ERROR,
} from './observer.ts';

export function registerScrape(app: FastifyInstance, deps: HttpTrackerDeps): void {
  const { tracker, query: q, observer, maxScrapeHashes } = deps;
  const encoder = new ScrapeEncoder();
  const counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  const tooMany = FAIL_TOO_MANY_HASHES(maxScrapeHashes);

  function scrape(url: string): Buffer | Failure {
    if (!q.parse(rawQuery(url))) return { reason: `malformed query: ${q.error}`, never: true };
    const hashes: Buffer[] = [];
    for (let i = 0; i < q.count; i++) {
      if (q.keys[i] !== 'info_hash') continue;
      if (q.length(i) !== 20) return FAIL_INFO_HASH;
      if (hashes.length === maxScrapeHashes) {
        observer.limitHit(LIMIT_SCRAPE_HASHES);
        return tooMany;
      }
      hashes.push(Buffer.from(q.bytes(i)));
    }
    if (hashes.length === 0) return FAIL_NO_HASHES;
    hashes.sort(Buffer.compare);
    encoder.begin();
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      if (i > 0 && h.equals(hashes[i - 1]!)) continue;
      tracker.scrape(h, 0, counts);
      encoder.file(h, 0, counts.seeders, counts.downloaded, counts.leechers);
    }
    return encoder.finish();
  }

  app.get('/scrape', { exposeHeadRoute: false }, (request, reply) => {
    const start = performance.now();
    let body: Buffer;
    let result: 0 | 1 | 2 = RESULT_OK;
    try {
      const out = scrape(request.url);
      if (Buffer.isBuffer(out)) body = out;
      else {
        body = encodeFailure(out.reason, out.never);
        result = RESULT_CLIENT_ERROR;
      }
    } catch (err) {
      request.log.error({ err }, 'scrape failed');
      body = encodeFailure('internal error');
      result = RESULT_SERVER_ERROR;
    }
    observer.request(PROTO_HTTP, ACTION_SCRAPE, result, start);
    observer.bytes(PROTO_HTTP, request.url.length, body.length);
    return bencodedReply(reply, body);
  });
}
