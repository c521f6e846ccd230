// Deny and allow lists of info_hashes, end to end: refused hashes get a failure reason
// and are never stored; rewriting the file takes effect without a restart through
// service.reloadLists() (what SIGHUP calls), through the file watch, and through a real
// SIGHUP to a real `trakx run`; a broken file keeps the previous list.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { bdecode } from '../helpers/bdecode.ts';
import { pct } from '../helpers/http-client.ts';
import { freePort, start, tempHome, trakxEnv, waitFor, waitForHeartbeat } from '../helpers/process.ts';
import { noUdp, startTestService } from '../helpers/service.ts';
import { announce, failure, limitHits, peersOf, type Reply } from './announce.ts';
import { bodyOf, getRequest, rawHttp } from './raw-http.ts';

function writeList(path: string, hashes: Buffer[], note = ''): void {
  const lines = [
    '# info_hash list written by the test',
    '',
    ...hashes.map((h, i) => `${h.toString('hex')}  # entry ${i}`),
    note,
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function scrapeCounts(svc: Service, h: Buffer): Promise<Reply> {
  const res = await rawHttp(svc.httpPort, getRequest(`/scrape?info_hash=${pct(h)}`));
  const files = (bdecode(bodyOf(res.data)) as { files: Record<string, Reply> }).files;
  return files[h.toString('latin1')] ?? (Object.values(files)[0] as Reply);
}

test('deny list: refused and never stored; reload by call and by file change; a bad file keeps the old list', async () => {
  const dir = tempHome();
  const path = join(dir, 'deny.txt');
  const [d1, d2, e] = [randomBytes(20), randomBytes(20), randomBytes(20)];
  writeList(path, [d1, d2]);
  const svc = await startTestService({
    env: { TRAKX_LIMITS_DENYLIST: path, TRAKX_LIMITS_LISTPOLL: '100ms' },
    tweak: noUdp,
  });
  try {
    const r = await announce(svc, { hash: d1, port: 6881 });
    assert.match(failure(r) ?? '', /blocked/);
    assert.equal(String(r['retry in']), 'never', 'BEP 31: retrying cannot help');
    assert.equal(svc.store.totals().torrents, 0, 'a denied hash is never stored');
    assert.equal((await scrapeCounts(svc, d1)).complete, 0);
    assert.equal(failure(await announce(svc, { hash: e, port: 6881 })), undefined);
    assert.equal(failure(await announce(svc, { hash: e, port: 6882, from: '127.0.0.2' })), undefined);
    assert.equal(peersOf(svc, e).length, 2);
    // e has a completion; c is kept only for its count (its completed peer left).
    await announce(svc, { hash: e, port: 6881, event: 'completed' });
    const c = randomBytes(20);
    const cid = randomBytes(20);
    await announce(svc, { hash: c, port: 6890, id: cid, event: 'completed' });
    await announce(svc, { hash: c, port: 6890, id: cid, event: 'stopped' });
    assert.equal((await scrapeCounts(svc, c)).downloaded, 1);

    // SIGHUP path: rewrite, reloadLists(). e and c become denied (and are dropped, counts
    // too), d2 allowed.
    writeList(path, [d1, e, c]);
    assert.equal(svc.reloadLists(), true);
    assert.deepEqual(peersOf(svc, e), [], 'a newly denied torrent is dropped at once');
    assert.equal((await scrapeCounts(svc, e)).downloaded, 0);
    assert.equal((await scrapeCounts(svc, c)).downloaded, 0);
    assert.deepEqual([svc.store.totals().torrents, svc.store.totals().countOnly], [0, 0]);
    assert.match(failure(await announce(svc, { hash: e, port: 6881 })) ?? '', /blocked/);
    assert.equal(failure(await announce(svc, { hash: d2, port: 6881 })), undefined, 'no longer listed');

    // File-change path: no call, the watch notices.
    writeList(path, [d1], '# e is allowed again');
    await waitFor(
      'the file-change reload',
      4000,
      async () => failure(await announce(svc, { hash: e, port: 6881 })) === undefined,
      50,
    );

    // A broken file: the reload fails, the previous list stays in force.
    writeFileSync(path, `${d2.toString('hex')}\nthis is not a hash\n`);
    assert.equal(svc.reloadLists(), false);
    await new Promise((r) => setTimeout(r, 300)); // the watch sees it too, and fails the same way
    assert.match(failure(await announce(svc, { hash: d1, port: 6881 })) ?? '', /blocked/);
    assert.equal(failure(await announce(svc, { hash: d2, port: 6883 })), undefined);
    assert.ok((await limitHits(svc)).denied! >= 3);
  } finally {
    await svc.close();
  }
});

test('allow-list mode: only listed hashes are tracked; reload admits and drops', async () => {
  const dir = tempHome();
  const path = join(dir, 'allow.txt');
  const [a, b] = [randomBytes(20), randomBytes(20)];
  writeList(path, [a]);
  const svc = await startTestService({
    env: { TRAKX_LIMITS_ALLOWLIST: path, TRAKX_LIMITS_LISTPOLL: '0' },
    tweak: noUdp,
  });
  try {
    assert.equal(failure(await announce(svc, { hash: a, port: 1 })), undefined);
    assert.match(failure(await announce(svc, { hash: b, port: 1 })) ?? '', /unregistered torrent/);
    assert.deepEqual(peersOf(svc, b), []);
    writeList(path, [b]);
    svc.reloadLists();
    assert.deepEqual(peersOf(svc, a), [], 'a torrent no longer allowed is dropped');
    assert.equal(failure(await announce(svc, { hash: b, port: 1 })), undefined);
    assert.match(failure(await announce(svc, { hash: a, port: 1 })) ?? '', /unregistered torrent/);
    assert.equal((await limitHits(svc)).not_allowed, 2);
  } finally {
    await svc.close();
  }
});

test('a list file that cannot be read stops start-up with the key named', async () => {
  const missing = join(tempHome(), 'nope.txt');
  await assert.rejects(
    startTestService({ env: { TRAKX_LIMITS_DENYLIST: missing }, tweak: noUdp }),
    /limits\.denylist: cannot read .*nope\.txt: ENOENT/,
  );
  const bad = join(tempHome(), 'bad.txt');
  writeFileSync(bad, 'deadbeef\n');
  await assert.rejects(
    startTestService({ env: { TRAKX_LIMITS_ALLOWLIST: bad }, tweak: noUdp }),
    /limits\.allowlist: .*line 1/,
  );
});

test('SIGHUP to a running `trakx run` reloads the deny list and keeps it running', async () => {
  const home = tempHome();
  const path = join(home, 'deny.txt');
  const [d, e] = [randomBytes(20), randomBytes(20)];
  writeList(path, [d]);
  const port = await freePort();
  const run = start(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '../../app/main.ts'), 'run'],
    {
      cwd: home,
      env: trakxEnv(home, {
        TRAKX_HTTP_IP: '127.0.0.1',
        TRAKX_HTTP_PORT: String(port),
        TRAKX_UDP_ENABLED: 'false',
        TRAKX_METRICS_ENABLED: 'false',
        TRAKX_DB_BACKUP_PATH: '',
        TRAKX_LIMITS_DENYLIST: path,
        TRAKX_LIMITS_LISTPOLL: '0',
      }),
    },
  );
  try {
    await waitForHeartbeat(run, port, 20000);
    const svc = { httpPort: port } as Service;
    assert.match(failure(await announce(svc, { hash: d, port: 1 })) ?? '', /blocked/);
    assert.equal(failure(await announce(svc, { hash: e, port: 1 })), undefined);
    writeList(path, [d, e]);
    run.child.kill('SIGHUP');
    await waitFor(
      'the SIGHUP reload',
      4000,
      async () => run.output().includes('info_hash list reloaded'),
      50,
    );
    assert.match(failure(await announce(svc, { hash: e, port: 1 })) ?? '', /blocked/);
    assert.equal(run.child.exitCode, null, 'still running after SIGHUP');
    assert.deepEqual(await run.stop(), { code: 0, signal: null });
  } finally {
    run.kill();
  }
});
