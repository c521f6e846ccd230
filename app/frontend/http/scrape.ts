// GET /scrape (BEP 48): one or more info_hash parameters → `files` dict with
// complete / downloaded / incomplete per hash (zeros for unknown hashes).

import {
  FAIL_INFO_HASH,
  FAIL_NO_HASHES,
  FAIL_QUERY,
  FAIL_STORE,
  FAIL_TOO_MANY_HASHES,
  type Failure,
} from '../../bittorrent/failures.ts';
import type { Later } from '../../bittorrent/later.ts';
import { LIMIT_SCRAPE_HASHES, REQ_SCRAPE } from '../../bittorrent/observer.ts';
import type { SwarmCounts } from '../../bittorrent/peer-sink.ts';
import { ScrapeEncoder } from '../../protocol/announce-response.ts';
import type { HttpTrackerDeps } from './announce.ts';
import type { TrackerRoutes } from './routes.ts';

export function registerScrape(routes: TrackerRoutes, deps: HttpTrackerDeps): void {
  const { tracker, query: q, observer, maxScrapeHashes } = deps;
  const encoder = new ScrapeEncoder();
  const counts: SwarmCounts = { seeders: 0, leechers: 0, downloaded: 0 };
  const tooMany = FAIL_TOO_MANY_HASHES(maxScrapeHashes);

  function scrape(url: string): Later<Buffer | Failure> {
    if (!q.parseTarget(url)) return FAIL_QUERY(q.error!);
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
    if (tracker.answersLater) return scrapeLater(hashes).catch(storeFailed);
    encoder.begin();
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i];
      if (i > 0 && h.equals(hashes[i - 1])) continue;
      tracker.scrape(h, 0, counts);
      encoder.file(h, 0, counts.seeders, counts.downloaded, counts.leechers);
    }
    return encoder.finish();
  }

  /** Every hash asked at once of a store that answers later; its own encoder. */
  async function scrapeLater(hashes: Buffer[]): Promise<Buffer> {
    const unique = hashes.filter((h, i) => i === 0 || !h.equals(hashes[i - 1]));
    const all = await Promise.all(
      unique.map((h) => tracker.scrape(h, 0, { seeders: 0, leechers: 0, downloaded: 0 })),
    );
    const own = new ScrapeEncoder().begin();
    for (let i = 0; i < unique.length; i++) {
      own.file(unique[i], 0, all[i].seeders, all[i].downloaded, all[i].leechers);
    }
    return own.finish();
  }

  // The only way a later scrape fails: the store did not answer (Redis slow or gone).
  const storeFailed = (): Failure => FAIL_STORE;

  routes.add('/scrape', REQ_SCRAPE, (url) => scrape(url));
}
