// The real thing: two headless Chromium pages running WebTorrent (the npm package's own
// browser build) find each other only through the tracker service and download a small
// file over WebRTC. Everything runs in a fresh network namespace (unshare -n) holding just loopback
// and a veth pair with TEST-NET-1 addresses (192.0.2.1/.2): Chromium gathers no WebRTC
// candidates without a non-loopback interface and a default route, and nothing in the
// namespace can reach any other network.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const repo = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';

const NETNS_SETUP = [
  'ip link set lo up',
  'ip link add v0 type veth peer name v1',
  'ip addr add 192.0.2.1/24 dev v0',
  'ip addr add 192.0.2.2/24 dev v1',
  'ip link set v0 up',
  'ip link set v1 up',
  // The route only makes Chromium see a usable network; v1 is in this namespace too.
  'ip route add default via 192.0.2.2 dev v0',
].join(' && ');

function missing(): string | null {
  const c = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
  if (c.status !== 0) return `${CHROMIUM} not found; install the Debian package: apt-get install -y chromium`;
  const ns = spawnSync('unshare', ['-n', 'sh', '-c', NETNS_SETUP], { encoding: 'utf8' });
  if (ns.status !== 0) return `cannot make a network namespace (needs root): ${ns.stderr.trim()}`;
  return null;
}

const why = missing();
// In CI a missing browser is a failure, not a silent pass; locally the case is skipped.
const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';
const skip = why !== null && !inCI ? `skipped: ${why}` : false;

/** The seeder page's file (seed.html makes the same bytes) and its checksum. */
function expected(): { bytes: number; sum: number } {
  const n = 300 * 1024;
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum * 31 + ((i * 7 + (i >> 9)) & 0xff)) >>> 0;
  return { bytes: n, sum };
}

test(
  'two Chromium pages running WebTorrent share a file through the tracker service',
  { skip, timeout: 150_000 },
  () => {
    assert.equal(why, null, why ?? '');
    const webtorrent = join(
      dirname(createRequire(import.meta.url).resolve('webtorrent/package.json')),
      'dist/webtorrent.min.js',
    );
    const run = spawnSync(
      'unshare',
      [
        '-n',
        'sh',
        '-c',
        `${NETNS_SETUP} && exec "$0" --import tsx test/ws/browser/e2e-run.ts`,
        process.execPath,
      ],
      {
        cwd: repo,
        encoding: 'utf8',
        timeout: 140_000,
        env: { ...process.env, WEBTORRENT_JS: webtorrent, E2E_TIMEOUT_MS: '100000', CHROMIUM },
      },
    );
    const last = run.stdout.trim().split('\n').pop() ?? '';
    assert.ok(
      last.startsWith('{'),
      `no result from the run (status ${run.status}): ${run.stderr.slice(-2000)}`,
    );
    const out = JSON.parse(last) as { result: unknown; logs: string[]; counts: Record<string, number> };
    const notes = out.logs.filter((l) => !/dbus|resolve address/.test(l)).join('\n');
    assert.deepEqual(
      out.result,
      { ...expected(), peers: 1 },
      `download did not finish; pages said:\n${notes}`,
    );
    assert.ok((out.counts['answer:ok'] ?? 0) >= 1, 'the answer went through the tracker');
  },
);
