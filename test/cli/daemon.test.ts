// The `trakx` controller against a real background tracker in a temporary HOME:
// start, status, logs (-f), backup export (live, stdout, from the file), restart,
// backup import (refused while running, --restart, while stopped), stop, wipe.
// The steps run in order and share one tracker. Needs `npm run build` first.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { verifySnapshot } from '../../app/persist/reader.ts';
import { SnapshotSaver } from '../../app/persist/saver.ts';
import { processAlive } from '../../app/process-alive.ts';
import { NODE_FLAGS } from '../../app/runtime/node-flags.ts';
import { infoHash, peerId } from '../helpers/ids.ts';
import { freePort, startTrakx, tempHome, trakx, waitFor } from '../helpers/process.ts';
import { announce, type Counts, scrape, trackerEnv } from '../helpers/tracker-process.ts';
import { newStore } from '../persist/util.ts';

let home = '';
let port = 0;
const env = { TRAKX_UDP_ENABLED: 'true', TRAKX_DB_BACKUP_INTERVAL: '0' };
const run = (...args: string[]) => trakx(args, trackerEnv(home, port, env));
const cache = () => join(home, '.cache', 'trakx');
const pidFile = () => join(cache(), 'trakx.pid');
const snapshot = () => join(cache(), 'trakx.db');
const hashes = [infoHash(1, 77), infoHash(2, 77)];
let counts: Counts[] = [];

function pidNow(): number {
  return Number(readFileSync(pidFile(), 'utf8').trim());
}

/** Zombie-aware: a stopped daemon stays a zombie until its new parent (init) reaps it. */
const alive = processAlive;

before(async () => {
  home = tempHome();
  port = await freePort();
});

after(() => {
  // Never leave a tracker behind, whatever failed.
  try {
    process.kill(pidNow(), 'SIGKILL');
  } catch {
    // Not running.
  }
});

test('status before start: not running, exit 1', async () => {
  const r = await run('status', '--format', 'json');
  assert.equal(r.code, 1);
  const s = JSON.parse(r.stdout);
  assert.equal(s.running, false);
  assert.equal(s.pidFile.state, 'missing');
});

test('start spawns the tracker in the background, writes the pid file, and status reports it', async () => {
  const r = await run('start');
  assert.equal(r.code, 0, r.stderr);
  const pid = pidNow();
  assert.match(r.stdout, new RegExp(`trakx started \\(pid ${pid}\\)`));
  assert.ok(alive(pid));
  // The background tracker runs with our node flags (app/runtime/node-flags.ts).
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  for (const flag of NODE_FLAGS) assert.ok(cmdline.includes(flag), `${flag} in ${cmdline.join(' ')}`);
  const s = await run('status', '--format', 'json');
  assert.equal(s.code, 0);
  assert.deepEqual(JSON.parse(s.stdout), {
    running: true,
    pid,
    pidFile: { path: pidFile(), state: 'ok' },
    process: 'alive',
    heartbeat: { http: 'ok', udp: 'ok' },
    degraded: null,
    workers: { live: 1, configured: 1 },
  });
  const text = await run('status');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /trakx is running/);
});

test('start refuses while the tracker runs', async () => {
  const pid = pidNow();
  const r = await run('start');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`already running \\(pid ${pid}\\)`));
  assert.equal(pidNow(), pid);
});

test('logs prints the last lines of the log file; logs -f follows new lines', async () => {
  for (const [i, hash] of hashes.entries()) {
    await announce(port, { hash, id: peerId(i), port: 6000, from: '127.0.0.2' });
    await announce(port, {
      hash,
      id: peerId(10 + i),
      port: 6001,
      from: '127.0.0.3',
      left: 0,
      event: 'completed',
    });
  }
  counts = await scrape(port, hashes);
  assert.deepEqual(counts[0], { complete: 1, downloaded: 1, incomplete: 1 });

  const all = await run('logs', '-n', '0');
  assert.equal(all.code, 0);
  assert.match(all.stdout, /trakx starting/);
  const two = await run('logs', '-n', '2');
  assert.equal(two.stdout.trimEnd().split('\n').length, 2);
  assert.ok(all.stdout.endsWith(two.stdout));

  const follower = startTrakx(['logs', '-f', '-n', '1'], trackerEnv(home, port, env));
  try {
    await waitFor('the last line printed', 10000, async () => follower.stdout() !== '', 20);
    // SIGUSR1 makes the tracker log a save: the follower must show it.
    process.kill(pidNow(), 'SIGUSR1');
    await waitFor('the save followed', 10000, async () => /snapshot saved/.test(follower.stdout()), 20);
    assert.match(follower.stdout(), /saving a snapshot/);
  } finally {
    void follower.stop(5000, 'SIGINT');
  }
  assert.deepEqual(await follower.exited, { code: 0, signal: null }, follower.stderr());
});

test('backup export takes a fresh snapshot from the running tracker', async () => {
  const out = join(home, 'export.db');
  const t0 = Date.now();
  const r = await run('backup', 'export', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /exported 2 torrents, 4 peers .* from the running tracker/);
  const h = verifySnapshot(readFileSync(out));
  assert.ok(h.created >= t0, 'saved after the command was given');
  assert.deepEqual([h.torrents, h.peers4, h.peers6], [2, 4, 0]);
  // To stdout (a pipe here): the same bytes a file would get.
  const piped = await run('backup', 'export');
  assert.equal(piped.code, 0, piped.stderr);
  const bytes = Buffer.from(piped.stdout, 'latin1');
  assert.deepEqual(verifySnapshot(bytes).peers4, 4);
  assert.match(piped.stderr, /exported 2 torrents/);
});

test('restart stops (saving) and starts again with the same swarms', async () => {
  const old = pidNow();
  const r = await run('restart');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`trakx stopped \\(pid ${old}\\)`));
  const pid = pidNow();
  assert.notEqual(pid, old);
  assert.ok(!alive(old));
  assert.deepEqual(await scrape(port, hashes), counts);
});

test('backup import and wipe refuse while the tracker runs', async () => {
  const before = readFileSync(snapshot());
  const imp = await run('backup', 'import', join(home, 'export.db'));
  assert.equal(imp.code, 1);
  assert.match(imp.stderr, /is running/);
  const wipe = await run('wipe', '--yes');
  assert.equal(wipe.code, 1);
  assert.match(wipe.stderr, /is running/);
  assert.deepEqual(readFileSync(snapshot()), before);
});

test('backup import --restart installs a snapshot into the running tracker', async () => {
  const empty = join(home, 'empty.db');
  await new SnapshotSaver(newStore(), { path: empty }).save();
  const old = pidNow();
  const r = await run('backup', 'import', empty, '--restart');
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(pidNow(), old);
  assert.deepEqual(await scrape(port, hashes), [
    { complete: 0, downloaded: 0, incomplete: 0 },
    { complete: 0, downloaded: 0, incomplete: 0 },
  ]);
});

test('stop sends SIGTERM, waits, removes the pid file; status then exits 1', async () => {
  const pid = pidNow();
  const r = await run('stop');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`trakx stopped \\(pid ${pid}\\)`));
  assert.ok(!alive(pid));
  assert.ok(!existsSync(pidFile()));
  const s = await run('status', '--format', 'json');
  assert.equal(s.code, 1);
  assert.equal(JSON.parse(s.stdout).heartbeat.http, 'fail');
  const again = await run('stop');
  assert.equal(again.code, 0);
  assert.match(again.stdout, /not running/);
});

test('while stopped: export reads the file, import installs one, wipe needs --yes', async () => {
  const exp = await run('backup', 'export', '--out', join(home, 'stopped.db'));
  assert.equal(exp.code, 0, exp.stderr);
  assert.match(exp.stdout, new RegExp(`from ${snapshot()}`));

  const imp = await run('backup', 'import', join(home, 'export.db'));
  assert.equal(imp.code, 0, imp.stderr);
  assert.deepEqual(readFileSync(snapshot()), readFileSync(join(home, 'export.db')));

  const refused = await run('wipe');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--yes/);
  assert.ok(existsSync(snapshot()));

  // The imported snapshot is what the next start restores.
  const start = await run('start');
  assert.equal(start.code, 0, start.stderr);
  assert.deepEqual(await scrape(port, hashes), counts);
  assert.equal((await run('stop')).code, 0);

  const mtime = statSync(snapshot()).mtimeMs;
  assert.ok(mtime > 0);
  const wiped = await run('wipe', '--yes');
  assert.equal(wiped.code, 0, wiped.stderr);
  assert.ok(!existsSync(snapshot()));
  const nothing = await run('backup', 'export', '--out', join(home, 'none.db'));
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /no snapshot/);
});
