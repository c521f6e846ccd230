// Two real bittorrent-tracker clients exchange offer and answer through WsTracker on a bare
// node:http server (clients-exchange.ts has the scenario).

import { after, before, describe, test } from 'node:test';
import { clientsExchange } from './clients-exchange.ts';
import { type Harness, startTracker } from './harness.ts';

for (const host of ['127.0.0.1', '::1']) {
  describe(`bittorrent-tracker clients through WsTracker on ${host}`, () => {
    let h: Harness;
    before(async () => {
      h = await startTracker(host);
    });
    after(() => h.close());

    test(
      'offer and answer are exchanged; scrape counts; disconnect and stop remove',
      { timeout: 20_000 },
      () => clientsExchange(h.url, h.tracker.swarms),
    );
  });
}
