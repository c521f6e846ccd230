// `trakx run` as an operator starts it: the real binaries (bin/trakx.js, which npx runs,
// and dist/trakx.js, which npm start runs) in child processes on a free port, answering
// announce and scrape on 127.0.0.1 and ::1, stopping with exit code 0 on SIGTERM; a bad
// configuration value and an unknown command exit with code 2.

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bdict } from '../helpers/bdecode.ts';
import { get, pct } from '../helpers/http-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'trakx.js');
const ENTRIES = [join(ROOT, 'bin', 'trakx.js'), BUNDLE];

before(() => {
  // `npm test` builds first; a lone run of this file builds if nothing is there yet.
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(ROOT, 'build.mjs')], { cwd: ROOT });
});

/** A port that was free a moment ago: listen on 0, read it, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '::', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The environment of an operator's shell: no TRAKX_* leaking in from ours, a fresh HOME. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TRAKX_') && k !== 'PORT') env[k] = v;
  env.HOME = mkdtempSync(join(tmpdir(), 'trakx-cli-'));
  return { ...env, ...extra };
}

interface Run {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

function start(entry: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [entry, ...args], { cwd: env.HOME, env, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, exit, stdout: () => out, stderr: () => err };
}

/** Resolve when /heartbeat answers; fail after `ms` or if the process exits first. */
async function ready(run: Run, port: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  run.exit.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    assert.ok(!exited, `trakx exited before listening: ${run.stderr()}${run.stdout()}`);
    try {
      const res = await get('127.0.0.1', port, '/heartbeat');
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`trakx did not listen on ${port} within ${ms} ms: ${run.stderr()}`);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

for (const entry of ENTRIES) {
  const name = entry.slice(ROOT.length);
  describe(`node ${name}`, () => {
    test('run: announce and scrape on 127.0.0.1 and ::1, SIGTERM exits 0', async () => {
      const port = await freePort();
      const run = start(
        entry,
        ['run'],
        cleanEnv({ TRAKX_HTTP_PORT: String(port), TRAKX_UDP_ENABLED: 'false' }),
      );
      try {
        await ready(run, port);
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
        run.child.kill('SIGTERM');
        const { code, signal } = await withTimeout(run.exit, 5000, 'exit after SIGTERM');
        assert.equal(signal, null);
        assert.equal(code, 0, run.stderr());
        assert.equal(run.stderr(), '', 'nothing on stderr in a clean run');
      } finally {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      }
    });

    test('an invalid value (TRAKX_HTTP_PORT=70000) exits 2 with one line naming http.port', async () => {
      const run = start(entry, ['run'], cleanEnv({ TRAKX_HTTP_PORT: '70000', TRAKX_UDP_ENABLED: 'false' }));
      const { code } = await withTimeout(run.exit, 10_000, 'exit on bad config');
      assert.equal(code, 2);
      const lines = run.stderr().trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr());
      assert.match(lines[0]!, /http\.port/);
      assert.match(lines[0]!, /70000/);
      assert.match(lines[0]!, /1 to 65535/);
    });

    test('an unknown command exits 2 with the usage', async () => {
      const run = start(entry, ['frobnicate'], cleanEnv({}));
      const { code } = await withTimeout(run.exit, 10_000, 'exit on unknown command');
      assert.equal(code, 2);
      assert.match(run.stderr(), /unknown command: frobnicate/);
      assert.match(run.stderr(), /usage: trakx/);
    });
  });
}
