// The `fast` build (npm run build:fast): esbuild's TRAKX_FAST define removes the
// per-IP, seed and leech metrics and the code that maintains them. The bundle text is
// checked against the normal bundle (which must contain all of it, so the check can
// fail), and the fast bundle is run as an operator would, serving real announces.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bdict } from '../helpers/bdecode.ts';
import { get, pct } from '../helpers/http-client.ts';
import { freePort, type Running, startTrakx, waitForHeartbeat } from '../helpers/process.ts';
import { families } from './exposition.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const H = '127.0.0.1';

/** What must not exist in the fast bundle: the metrics and the work behind them. */
const GONE: [string, RegExp][] = [
  ['seeders gauge', /trakx_seeders/],
  ['leechers gauge', /trakx_leechers/],
  ['unique IPs gauge', /trakx_unique_ips/],
  ['expvar seeds', /trakx\.database\.seeds/],
  ['expvar leeches', /trakx\.database\.leeches/],
  ['expvar ips', /trakx\.database\.ips/],
  ['the IpCounter class', /IpCounter/],
  ['per-IP counting', /\.ips\[[^\]]+\]\.(add|remove)\(/],
  ['seed/leech total upkeep', /(seed|leech)Totals\[[^\]]+\]\s*(\+\+|--|[+-]=)/],
];

function npm(script: string): void {
  execFileSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

function udpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, H, () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

describe('the fast build', () => {
  let fast = '';
  let normal = '';

  before(() => {
    npm('build');
    npm('build:fast');
    fast = readFileSync(join(ROOT, 'dist-fast', 'trakx.js'), 'utf8');
    normal = readFileSync(join(ROOT, 'dist', 'trakx.js'), 'utf8');
  });

  it('leaves out the per-IP, seed and leech metrics and their upkeep', () => {
    for (const [what, re] of GONE) {
      assert.match(normal, re, `the normal bundle has ${what}`);
      assert.doesNotMatch(fast, re, `the fast bundle has no ${what}`);
    }
    // The rest of the metrics stay.
    for (const name of ['trakx_peers', 'trakx_torrents', 'trakx_requests_total', 'trakx.database.peers']) {
      assert.ok(fast.includes(name), name);
    }
  });

  describe('node dist-fast/trakx.js run', () => {
    let home = '';
    let tracker: Running;
    let port = 0;

    before(async () => {
      home = mkdtempSync(join(tmpdir(), 'trakx-fast-'));
      port = await freePort();
      const env = {
        PATH: process.env.PATH,
        HOME: home,
        TRAKX_LOGLEVEL: 'warn',
        TRAKX_HTTP_IP: H,
        TRAKX_HTTP_PORT: String(port),
        TRAKX_UDP_IP: H,
        TRAKX_UDP_PORT: String(await udpPort()),
        TRAKX_DB_BACKUP_PATH: join(home, 'trakx.db'),
      };
      // cwd = the temp home, so no ./trakx.yaml of the checkout is read.
      tracker = startTrakx(['run'], env, join(ROOT, 'dist-fast', 'trakx.js'));
      await waitForHeartbeat(tracker, port, 15_000, H);
    });

    after(async () => {
      await tracker?.stop();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    it('serves announces', async () => {
      const hash = pct(Buffer.alloc(20, 0xab));
      const announce = async (n: number, left: number) => {
        const id = pct(Buffer.from(`-FB0001-${String(n).padStart(12, '0')}`));
        const r = await get(
          H,
          port,
          `/announce?info_hash=${hash}&peer_id=${id}&port=${9000 + n}&left=${left}&event=started`,
        );
        assert.equal(r.status, 200);
        return bdict(r.body) as Record<string, unknown>;
      };
      const first = await announce(1, 100);
      assert.equal(first['failure reason'], undefined);
      assert.ok(typeof first.interval === 'number');
      const second = await announce(2, 0);
      assert.equal(second.incomplete, 1, 'per-torrent counts still work in the fast build');
      const peers = second.peers as Uint8Array;
      assert.equal(peers.length, 6, 'the first peer is handed out');
      assert.deepEqual([...peers.subarray(0, 4)], [127, 0, 0, 1]);
      assert.equal((peers[4] << 8) | peers[5], 9001);
    });

    it('exposes the remaining metrics only', async () => {
      const metrics = (await get(H, port, '/metrics')).body.toString('utf8');
      const f = families(metrics);
      assert.ok(f.has('trakx_peers') && f.has('trakx_torrents') && f.has('trakx_requests_total'));
      for (const gone of ['trakx_seeders', 'trakx_leechers', 'trakx_unique_ips'])
        assert.ok(!f.has(gone), gone);
      assert.match(metrics, /^trakx_peers\{family="ipv4"\} 2$/m);
      const stats = JSON.parse((await get(H, port, '/stats')).body.toString('utf8'));
      assert.equal(stats['trakx.database.peers'], 2);
      assert.ok(!('trakx.database.seeds' in stats) && !('trakx.database.ips' in stats));
      assert.ok(stats.memstats.HeapAlloc > 0);
    });

    it('stops cleanly on SIGTERM', async () => {
      assert.deepEqual(await tracker.stop(), { code: 0, signal: null }, tracker.output());
    });
  });
});
