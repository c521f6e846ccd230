// `trakx run` as an operator starts it: the real binaries (bin/trakx.js, which npx runs,
// and dist/trakx.js, which npm start runs) in child processes on a free port, answering
// announce and scrape on 127.0.0.1 and ::1, stopping with exit code 0 on SIGTERM; a bad
// configuration value and an unknown command exit with code 2.

import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { before, describe, test } from 'node:test';
import { bdict } from '../helpers/bdecode.ts';
import { get, pct } from '../helpers/http-client.ts';
import {
  BUNDLE,
  ensureBuilt,
  freePort,
  ROOT,
  start,
  startTrakx,
  tempHome,
  trakxEnv,
  waitFor,
  waitForHeartbeat,
} from '../helpers/process.ts';

const ENTRIES = [join(ROOT, 'bin', 'trakx.js'), BUNDLE];

// `npm test` builds first; a lone run of this file builds if nothing is there yet.
before(ensureBuilt);

for (const entry of ENTRIES) {
  const name = relative(ROOT, entry);
  describe(`node ${name}`, () => {
    test('run: announce and scrape on 127.0.0.1 and ::1, SIGTERM exits 0', async () => {
      const port = await freePort();
      const run = startTrakx(
        ['run'],
        trakxEnv(tempHome(), { TRAKX_HTTP_PORT: String(port), TRAKX_UDP_ENABLED: 'false' }),
        entry,
      );
      try {
        await waitForHeartbeat(run, port);
        const hash = Buffer.from('cli-test-hash-\x00\x01\xff&=%', 'latin1');
        assert.equal(hash.length, 20);
        const peers: Record<string, Buffer> = {};
        for (const [i, host] of ['127.0.0.1', '::1'].entries()) {
          const q = `info_hash=${pct(hash)}&peer_id=-TT0001-00000000000${i}&port=${6881 + i}&uploaded=0&downloaded=0&left=1`;
          const res = await get(host, port, `/announce?${q}`);
          assert.equal(res.status, 200);
          assert.match(String(res.headers['content-type']), /^text\/plain/);
          const d = bdict(res.body);
          assert.equal(d['failure reason'], undefined, String(d['failure reason']));
          assert.equal(d.incomplete, i + 1);
          assert.equal((d['external ip'] as Buffer).length, host === '::1' ? 16 : 4);
          peers[host] = d.peers as Buffer;
        }
        // The ::1 peer found the 127.0.0.1 one.
        assert.deepEqual(peers['::1'], Buffer.from([127, 0, 0, 1, 6881 >> 8, 6881 & 0xff]));
        for (const host of ['127.0.0.1', '::1']) {
          const res = await get(host, port, `/scrape?info_hash=${pct(hash)}`);
          const files = bdict(res.body).files as Record<string, unknown>;
          assert.deepEqual(files[hash.toString('latin1')], { complete: 0, downloaded: 0, incomplete: 2 });
        }
        assert.deepEqual(await run.stop(5000), { code: 0, signal: null }, run.stderr());
        assert.equal(run.stderr(), '', 'nothing on stderr in a clean run');
      } finally {
        run.kill();
      }
    });

    test('an unknown TRAKX_HTTP_PROT is logged as a warning naming TRAKX_HTTP_PORT, and ignored', async () => {
      const port = await freePort();
      const env = trakxEnv(tempHome(), {
        TRAKX_HTTP_PORT: String(port),
        TRAKX_HTTP_PROT: '1',
        TRAKX_UDP_ENABLED: 'false',
        TRAKX_STATS_URL: 'http://127.0.0.1:1/stats',
      });
      const run = startTrakx(['run'], env, entry);
      try {
        await waitForHeartbeat(run, port);
        const warnings = run
          .stdout()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { level: number; msg: string; setting?: string; closest?: string })
          .filter((l) => l.level === 40);
        assert.deepEqual(
          warnings.map((w) => [w.msg, w.setting, w.closest]),
          [
            [
              'unknown setting TRAKX_HTTP_PROT ignored; did you mean TRAKX_HTTP_PORT?',
              'TRAKX_HTTP_PROT',
              'TRAKX_HTTP_PORT',
            ],
          ],
          run.output(),
        );
        assert.deepEqual(await run.stop(5000), { code: 0, signal: null }, run.stderr());
      } finally {
        run.kill();
      }
    });

    test('an invalid value (TRAKX_HTTP_PORT=70000) exits 2 with one line naming http.port', async () => {
      const env = trakxEnv(tempHome(), { TRAKX_HTTP_PORT: '70000', TRAKX_UDP_ENABLED: 'false' });
      const run = startTrakx(['run'], env, entry);
      const { code } = await run.exitWithin(10_000);
      assert.equal(code, 2);
      const lines = run.stderr().trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr());
      assert.match(lines[0], /http\.port/);
      assert.match(lines[0], /70000/);
      assert.match(lines[0], /1 to 65535/);
    });

    test('an unknown command exits 2 with the usage', async () => {
      const run = startTrakx(['frobnicate'], trakxEnv(tempHome()), entry);
      const { code } = await run.exitWithin(10_000);
      assert.equal(code, 2);
      assert.match(run.stderr(), /unknown command: frobnicate/);
      assert.match(run.stderr(), /usage: trakx/);
    });
  });
}

// `npm start` puts npm and a shell between the operator and the tracker: SIGTERM to npm
// must reach the tracker (the script execs node), not leave it running orphaned.
test('npm start: serves, and SIGTERM to npm stops the tracker itself', async () => {
  const port = await freePort();
  const env = trakxEnv(tempHome(), { TRAKX_HTTP_PORT: String(port), TRAKX_UDP_ENABLED: 'false' });
  const run = start('npm', ['start', '--silent'], { env, cwd: ROOT });
  try {
    await waitForHeartbeat(run, port);
    const res = await get('::1', port, '/heartbeat');
    assert.equal(res.status, 200);
    await run.stop(8000);
    // The port is free again only if the tracker process itself exited.
    await waitFor('the tracker behind npm start to exit', 8000, () =>
      get('127.0.0.1', port, '/heartbeat').then(
        () => false,
        () => true,
      ),
    );
  } finally {
    run.kill();
  }
});
