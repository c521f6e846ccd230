// The base images the Dockerfile and docker-compose.yml name, for an architecture: pulled
// when a registry has them, otherwise a stand-in built here and tagged with the official
// name, so the project's files are built and run unmodified. Stand-ins are kept in the
// engine as trakx-standin/…-ARCH, so later runs reuse them.

import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, docker, imageArch, imageExists } from './engine.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
const HERE = join(ROOT, 'test', 'containers');
const STANDINS = join(HERE, 'standins');

/** npm of the Node 24 line for the node stand-in (the official image bundles Node's own). */
const NPM_VERSION = '11.6.2';

/** The node base image the Dockerfile builds FROM (all its stages share it). */
export function nodeBase(): string {
  const froms = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM (node:\S+)/gm)].map(
    (m) => m[1],
  );
  if (froms.length === 0 || new Set(froms).size !== 1)
    throw new Error(`Dockerfile FROM lines: ${froms.join(', ')}`);
  return froms[0];
}

/** An image the compose file names, by the start of its name (`prom/prometheus`). */
export function composeImage(prefix: string): string {
  const m = new RegExp(`^\\s*image:\\s*(${prefix.replace('/', '\\/')}:\\S+)`, 'm').exec(
    readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'),
  );
  if (!m) throw new Error(`docker-compose.yml has no ${prefix} image`);
  return m[1];
}

/**
 * Makes `name` refer to an ARCH image: the kept copy, a pull, or a new stand-in from
 * `build` (given the stand-in Debian base).
 */
async function provide(
  name: string,
  arch: string,
  build: (base: string, tag: string) => Promise<void>,
): Promise<void> {
  const kept = `trakx-standin/${name.replace(/[/:]/g, '-')}-${arch}`;
  if (!(await imageExists(kept))) {
    const pulled = await docker(['pull', '--platform', `linux/${arch}`, name], 300_000).then(
      () => true,
      () => false,
    );
    if (pulled && (await imageArch(name)) === arch) await docker(['tag', name, kept]);
    else {
      const base = `trakx-standin/debian:bookworm-${arch}`;
      // Under emulation (arm64 on amd64) debootstrap's second stage takes minutes.
      await command('sh', [join(HERE, 'standin-base.sh'), arch], 1_800_000);
      await build(base, kept);
    }
  }
  await docker(['tag', kept, name]);
}

async function buildStandin(context: string, base: string, tag: string, arch: string, args: string[] = []) {
  await docker(
    ['build', '--platform', `linux/${arch}`, '--build-arg', `BASE=${base}`, ...args, '-t', tag, context],
    900_000,
  );
}

/** The unpacked `package/` folder of an npm registry package. */
async function npmPackage(spec: string, into: string, dir: string): Promise<void> {
  const file = (await command('npm', ['pack', '--silent', spec], 300_000, { cwd: dir }))
    .trim()
    .split('\n')
    .pop()!;
  await command('tar', ['-xzf', join(dir, file), '-C', dir], 120_000);
  rmSync(join(dir, file));
  cpSync(join(dir, 'package'), into, { recursive: true });
  rmSync(join(dir, 'package'), { recursive: true });
}

/** The CA bundle the host's npm trusts, and an npmrc that makes the stand-in's npm use it. */
async function hostCa(into: string): Promise<void> {
  const configured = (await command('npm', ['config', 'get', 'cafile'], 30_000)).trim();
  const file =
    [configured, process.env.NODE_EXTRA_CA_CERTS].find((f) => f && f !== 'null' && f !== 'undefined') ??
    '/etc/ssl/certs/ca-certificates.crt';
  copyFileSync(file, join(into, 'ca.crt'));
  const registry = (await command('npm', ['config', 'get', 'registry'], 30_000)).trim();
  writeFileSync(join(into, 'npmrc'), `cafile=/usr/local/share/trakx-host-ca/ca.crt\nregistry=${registry}\n`);
}

/** node:24.x.y-bookworm-slim for ARCH. */
export async function provideNode(arch: string): Promise<string> {
  const name = nodeBase();
  const version = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(name)?.[1];
  if (!version) throw new Error(`${name}: expected node:X.Y.Z-bookworm-slim`);
  await provide(name, arch, async (base, tag) => {
    const ctx = mkdtempSync(join(tmpdir(), 'trakx-standin-node-'));
    try {
      cpSync(join(STANDINS, 'node'), ctx, { recursive: true });
      await npmPackage(`node-linux-${arch === 'amd64' ? 'x64' : arch}@${version}`, join(ctx, 'node'), ctx);
      await npmPackage(`npm@${NPM_VERSION}`, join(ctx, 'npm'), ctx);
      mkdirSync(join(ctx, 'host-ca'));
      await hostCa(join(ctx, 'host-ca'));
      await buildStandin(ctx, base, tag, arch, ['--build-arg', `NODE_VERSION=${version}`]);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
  return name;
}

/** The compose file's Prometheus image for ARCH (stand-in: Debian's prometheus binaries). */
export async function providePrometheus(arch: string): Promise<string> {
  const name = composeImage('prom/prometheus');
  await provide(name, arch, async (base, tag) => {
    const ctx = mkdtempSync(join(tmpdir(), 'trakx-standin-prometheus-'));
    try {
      cpSync(join(STANDINS, 'prometheus'), ctx, { recursive: true });
      copyFileSync('/usr/bin/prometheus', join(ctx, 'prometheus'));
      copyFileSync('/usr/bin/promtool', join(ctx, 'promtool'));
      writeFileSync(join(ctx, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
      await buildStandin(ctx, base, tag, arch);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
  return name;
}

/** The compose file's netdata image for ARCH (stand-in: Debian's netdata packages). */
export async function provideNetdata(arch: string): Promise<string> {
  const name = composeImage('netdata/netdata');
  await provide(name, arch, (base, tag) => buildStandin(join(STANDINS, 'netdata'), base, tag, arch));
  return name;
}

/** The compose file's Redis image for ARCH (stand-in: Debian's redis-server). */
export async function provideRedis(arch: string): Promise<string> {
  const name = composeImage('redis');
  await provide(name, arch, (base, tag) => buildStandin(join(STANDINS, 'redis'), base, tag, arch));
  return name;
}

/** The project's Dockerfile built, unmodified, for ARCH as `tag`; returns the build's seconds. */
export async function buildTrakx(arch: string, tag: string): Promise<number> {
  await provideNode(arch);
  const t0 = performance.now();
  await docker(['build', '--platform', `linux/${arch}`, '-t', tag, ROOT], 1_200_000);
  return (performance.now() - t0) / 1000;
}
