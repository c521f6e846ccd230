// The container files, checked with what runs here (no Docker engine does): Debian's
// docker-compose parses docker-compose.yml, with and without the netdata profile; every
// TRAKX_* variable it passes is a real config key whose value the loader accepts; the
// Dockerfile's COPY sources are not excluded by .dockerignore, and it keeps the
// properties the README promises (multi-stage, production deps, non-root, tcp+udp,
// HEALTHCHECK without curl).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configLeaves, loadConfig } from '../../app/config/load.ts';
import { tempHome } from '../helpers/process.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function compose(...args: string[]): string {
  return execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

type Service = {
  environment?: Record<string, string>;
  ports?: unknown[];
  volumes?: unknown[];
  profiles?: string[];
};

describe('docker-compose.yml', () => {
  it('parses with docker-compose, the netdata service behind its profile', () => {
    const services = compose('config', '--services').trim().split('\n').sort();
    assert.deepEqual(services, ['grafana', 'netdata', 'prometheus', 'trakx']);
    const resolved = parseYaml(compose('config')) as { services: Record<string, Service> };
    for (const [name, s] of Object.entries(resolved.services)) {
      assert.deepEqual(s.profiles ?? [], name === 'netdata' ? ['netdata'] : [], `${name} profiles`);
    }
    assert.equal(resolved.services.trakx!.ports?.length, 2, 'tcp and udp published');
  });

  it('configures the tracker with valid TRAKX_* variables only', () => {
    const file = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, Service>;
    };
    const env = file.services.trakx!.environment!;
    const known = new Set(configLeaves().map((l) => l.env));
    const names = Object.keys(env);
    assert.ok(names.length >= 4);
    for (const name of names) assert.ok(known.has(name), `${name} is a config key`);
    const home = tempHome();
    const { config } = loadConfig({ env, home, cwd: home, writeDefault: false });
    assert.equal(config.http.port, 1337);
    assert.equal(config.udp.port, 1337);
    assert.equal(config.metrics.port, 0, 'Prometheus scrapes /metrics on the tracker port');
    assert.equal(config.db.backup.path, '/data/trakx.db');
  });

  it('mounts the provisioning and config folders that exist', () => {
    const file = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    const binds = Object.values(file.services)
      .flatMap((s) => s.volumes ?? [])
      .filter((v) => v.startsWith('./'));
    assert.ok(binds.length >= 4);
    for (const b of binds) assert.ok(existsSync(join(ROOT, b.split(':')[0])), b);
  });
});

describe('Dockerfile', () => {
  // Instructions only: comments may say anything.
  const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/^\s*#.*\n/gm, '');
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('copies only sources that exist and that .dockerignore lets through', () => {
    const copies = [...docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    assert.ok(copies.length >= 6);
    for (const src of copies) {
      assert.ok(existsSync(join(ROOT, src)), `${src} exists`);
      const top = src.split('/')[0];
      assert.ok(!ignore.includes(top) && !ignore.includes(src), `${src} is not in .dockerignore`);
    }
    assert.ok(copies.includes('.npmrc'), '.npmrc (ignore-scripts) goes into the build');
  });

  it('builds in one stage and runs production dependencies as a non-root user', () => {
    const stages = docker.split(/^FROM /m).slice(1);
    assert.equal(stages.length, 2);
    assert.match(stages[0], /RUN npm ci\b/);
    assert.match(stages[0], /RUN npm run build\b/);
    const runtime = stages[1];
    assert.match(runtime, /npm ci --omit=dev/);
    assert.match(runtime, /^COPY --from=build \/src\/dist \.\/dist$/m);
    assert.match(runtime, /^USER (?!root)\w+/m);
    assert.match(runtime, /^EXPOSE 1337\/tcp 1337\/udp$/m);
    assert.match(runtime, /^HEALTHCHECK .*CMD \["node", "-e", .*\/heartbeat/ms);
    assert.doesNotMatch(runtime, /curl|wget/);
    assert.match(
      runtime,
      /^CMD \["node", "--max-semi-space-size=8", "--min-semi-space-size=8", "dist\/trakx\.js", "run"\]$/m,
    );
  });
});
