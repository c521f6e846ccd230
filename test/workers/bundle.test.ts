// The esbuild bundle (`trakx run`) with two worker threads: the bundle is also the
// workers' entry; peers announced to the tracker port are in the scrape whichever worker
// answers, /metrics counts both workers, and SIGTERM closes the workers, then saves the
// one snapshot, which a single-thread restart restores.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { get } from '../helpers/http-client.ts';
import { freePort, tempHome, waitFor } from '../helpers/process.ts';
import { announce, runTracker, scrape } from '../helpers/tracker-process.ts';

const PEERS = 12;

async function metricsText(port: number): Promise<string> {
  return (await get('127.0.0.1', port, '/metrics')).body.toString();
}

test('trakx run with workers: 2 serves one swarm and saves one snapshot', async () => {
  const home = tempHome();
  const port = await freePort();
  const hash = Buffer.alloc(20, 0x23);
  const run = await runTracker(home, port, { TRAKX_WORKERS: '2' });
  try {
    // The first worker answers the heartbeat while the second may still be starting.
    await waitFor('both workers serving', 10_000, async () =>
      /^trakx_workers 2$/m.test(await metricsText(port)),
    );
    // Connection: close from different source addresses: the kernel spreads them over both.
    for (let i = 0; i < PEERS; i++)
      await announce(port, { hash, id: Buffer.alloc(20, i + 1), port: 6000 + i, from: `127.0.0.${2 + i}` });
    const [counts] = await scrape(port, [hash]);
    assert.equal(counts.incomplete, PEERS, 'every peer in the one swarm');
    const metrics = await metricsText(port);
    const perWorker = [...metrics.matchAll(/^trakx_worker_requests_total\{worker="(\d)"\} (\d+)$/gm)];
    assert.equal(perWorker.length, 2);
    const total = perWorker.reduce((sum, m) => sum + Number(m[2]), 0);
    assert.equal(total, PEERS + 1, 'the announces and the scrape, summed over the workers');
  } finally {
    const exit = await run.stop(10_000);
    assert.equal(exit.code, 0, run.output());
  }
  assert.ok(existsSync(join(home, '.cache', 'trakx', 'trakx.db')), 'the final snapshot is written');
  const again = await runTracker(home, port, { TRAKX_WORKERS: '1' });
  try {
    const [counts] = await scrape(port, [hash]);
    assert.equal(counts.incomplete, PEERS, 'restored into one thread');
  } finally {
    await again.stop(10_000);
  }
});
