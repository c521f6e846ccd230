// `trakx run` stopped (SIGTERM, as `trakx stop`, Docker and systemd do) while clients that
// pipelined announces up to a close read none of the replies are still connected: the
// tracker ends those connections, saves its final snapshot and exits 0 instead of waiting
// for the clients until it is killed. Needs `npm run build` first.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  seedUnreadTorrent,
  UNREAD_HASH,
  UNREAD_PEERS,
  unreadClient,
  unreadPeers,
} from '../abuse/unread-client.ts';
import { ensureBuilt, freePort, tempHome, waitFor } from '../helpers/process.ts';
import { runTracker, scrape } from '../helpers/tracker-process.ts';

before(ensureBuilt);

test('SIGTERM with clients not reading their replies: connections ended, snapshot saved, exit 0', async () => {
  const home = tempHome();
  const port = await freePort();
  const run = await runTracker(home, port, { TRAKX_NUMWANT_LIMIT: String(UNREAD_PEERS) });
  const clients: Socket[] = [];
  try {
    await seedUnreadTorrent(port);
    for (const kept of [false, true])
      for (const last of ['close', 'http1.0'] as const)
        clients.push(await unreadClient(port, last, kept, clients.length));
    const all = unreadPeers(clients.length, 2);
    await waitFor(
      'every request read',
      10_000,
      async () => (await scrape(port, [UNREAD_HASH]))[0].incomplete === all,
    );
    // Bounded: SIGKILL after 8 s, which fails the exit check.
    assert.deepEqual(await run.stop(8000), { code: 0, signal: null }, run.output());
    assert.match(run.stdout(), /snapshot saved/);
    assert.ok(existsSync(join(home, '.cache', 'trakx', 'trakx.db')), 'the snapshot file');
  } finally {
    for (const c of clients) c.destroy();
    run.kill();
  }
});
