// The `trakx` controller's edges: usage errors exit 2 with the usage text, config
// dump/path/validate, stale or foreign pid files are never signalled, a tracker that
// ignores SIGTERM makes stop exit 1, a start that fails reports the log, and bad
// snapshot files are refused by import. Needs `npm run build` first.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../app/cli/main.ts';
import { processAlive } from '../../app/process-alive.ts';
import { freePort, tempHome, trakx } from '../helpers/process.ts';
import { trackerEnv } from '../helpers/tracker-process.ts';

async function setup() {
  const home = tempHome();
  const port = await freePort();
  const run = (args: string[], extra: Record<string, string> = {}) =>
    trakx(args, trackerEnv(home, port, extra));
  const pidFile = join(home, '.cache', 'trakx', 'trakx.pid');
  return { home, port, run, pidFile };
}

test('unknown commands and bad flags print the usage and exit 2', async () => {
  // In-process: the parsing is the same code the binary runs, without a node start per case.
  for (const args of [
    ['frobnicate'],
    ['status', '--bogus'],
    ['status', '--format', 'xml'],
    ['stop', '--timeout', 'soon'],
    ['start', '--wait', '-1'],
    ['logs', '-n', 'many'],
    ['config'],
    ['config', 'frobnicate'],
    ['config', 'path', 'extra'],
    ['backup'],
    ['backup', 'frobnicate'],
    ['backup', 'import'],
    ['backup', 'export', '--out'],
    ['wipe', '--force'],
    ['run', 'extra'],
    ['--config'],
  ]) {
    let out = '';
    let err = '';
    const code = await main(args, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    assert.equal(code, 2, `${args.join(' ')}: ${err}`);
    assert.match(err, /usage: trakx/, args.join(' '));
    assert.equal(out, '');
  }
  // And through the real binary.
  const { run } = await setup();
  const r = await run(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command: frobnicate\nusage: trakx/);
  const help = await run(['help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /backup export/);
  const version = await run(['version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^trakx \d+\.\d+\.\d+\n$/);
});

test('config path, dump and validate', async () => {
  const { home, port, run } = await setup();
  const path = await run(['config', 'path']);
  assert.equal(path.code, 0);
  assert.equal(path.stdout, `${join(home, '.config', 'trakx', 'trakx.yaml')}\n`);

  const dump = await run(['config', 'dump', '--format', 'json']);
  assert.equal(dump.code, 0);
  const config = JSON.parse(dump.stdout);
  assert.equal(config.http.port, port);
  assert.equal(config.db.backup.interval, 300);
  assert.equal(config.db.backup.path, join(home, '.cache', 'trakx', 'trakx.db'));
  const yaml = await run(['config', 'dump']);
  assert.match(yaml.stdout, new RegExp(`port: ${port}`));

  const ok = await run(['config', 'validate']);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /configuration ok/);
  assert.equal(ok.stderr, '');
  const typo = await run(['config', 'validate'], { TRAKX_DB_BACKUP_INTERVL: '60' });
  assert.equal(typo.code, 0);
  assert.match(typo.stdout, /configuration ok/);
  assert.equal(
    typo.stderr,
    'warning: unknown setting TRAKX_DB_BACKUP_INTERVL ignored; did you mean TRAKX_DB_BACKUP_INTERVAL?\n',
  );
  const bad = await run(['config', 'validate'], { TRAKX_DB_BACKUP_INTERVAL: 'often' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /db\.backup\.interval/);

  const key = '00112233445566778899aabbccddeeff';
  const secret = await run(['config', 'dump'], { TRAKX_UDP_CONNECTIONS_SECRET: key });
  assert.equal(secret.code, 0);
  assert.match(secret.stdout, /secret: \(redacted\)/);
  assert.ok(!secret.stdout.includes(key));
  const badSecret = await run(['config', 'validate'], { TRAKX_UDP_CONNECTIONS_SECRET: `${key}0` });
  assert.equal(badSecret.code, 2);
  assert.match(badSecret.stderr, /udp\.connections\.secret/);
  assert.ok(!badSecret.stderr.includes(key));

  const own = join(home, 'own.yaml');
  writeFileSync(own, 'db:\n  backup:\n    path: /tmp/elsewhere.db\n');
  const withFile = await run(['--config', own, 'config', 'dump', '--format', 'json']);
  assert.equal(JSON.parse(withFile.stdout).db.backup.path, '/tmp/elsewhere.db');
  assert.equal((await run(['config', 'path', '--config', own])).stdout, `${own}\n`);
  assert.equal((await run(['--config', join(home, 'missing.yaml'), 'status'])).code, 2);
});

test('a pid file naming another program: status says so, stop signals nothing', async () => {
  const { run, pidFile } = await setup();
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    mkdirSync(join(pidFile, '..'), { recursive: true });
    writeFileSync(pidFile, `${sleeper.pid}\n`);
    const s = await run(['status', '--format', 'json']);
    assert.equal(s.code, 1);
    assert.equal(JSON.parse(s.stdout).process, 'not-trakx');
    const stop = await run(['stop']);
    assert.equal(stop.code, 0);
    assert.match(stop.stdout, /not trakx/);
    assert.ok(processAlive(sleeper.pid!), 'the other program was not signalled');
    assert.ok(!existsSync(pidFile));

    writeFileSync(pidFile, 'garbage\n');
    const g = await run(['status', '--format', 'json']);
    assert.equal(JSON.parse(g.stdout).pidFile.state, 'invalid');
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('stop exits 1 when the tracker does not stop in time, and keeps the pid file', async () => {
  const { run, pidFile } = await setup();
  // Stands in for a hung tracker: ignores SIGTERM and has `run` on its command line.
  const stubborn = spawn(
    process.execPath,
    ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('up')", 'run'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    await new Promise((ok) => stubborn.stdout.once('data', ok));
    mkdirSync(join(pidFile, '..'), { recursive: true });
    writeFileSync(pidFile, `${stubborn.pid}\n`);
    const r = await run(['stop', '--timeout', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`pid ${stubborn.pid}\\) did not stop within 1s`));
    assert.ok(processAlive(stubborn.pid!));
    assert.equal(readFileSync(pidFile, 'utf8'), `${stubborn.pid}\n`);
  } finally {
    stubborn.kill('SIGKILL');
  }
});

test('start reports a tracker that exits during start-up (port taken) and leaves no pid file', async () => {
  const { port, run, pidFile } = await setup();
  const blocker = createServer();
  await new Promise<void>((ok) => blocker.listen(port, '::', ok));
  try {
    const r = await run(['start', '--wait', '10']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exited during start-up/);
    assert.match(r.stderr, /EADDRINUSE/);
    assert.ok(!existsSync(pidFile));
  } finally {
    blocker.close();
  }
});

test('backup import refuses a bad file and changes nothing; logs without a log file exits 1', async () => {
  const { home, run } = await setup();
  const bad = join(home, 'bad.db');
  writeFileSync(bad, 'TRAKXDB\0 but not really a snapshot');
  const r = await run(['backup', 'import', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not a valid snapshot/);
  assert.ok(!existsSync(join(home, '.cache', 'trakx', 'trakx.db')));
  const missing = await run(['backup', 'import', join(home, 'nope.db')]);
  assert.equal(missing.code, 1);
  const logs = await run(['logs']);
  assert.equal(logs.code, 1);
  assert.match(logs.stderr, /no log file/);
  const wipe = await run(['wipe', '--yes']);
  assert.equal(wipe.code, 0);
  assert.match(wipe.stdout, /nothing to wipe/);
});
