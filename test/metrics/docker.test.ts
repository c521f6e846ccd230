// The container files, checked without an engine (test/containers/ runs them): Debian's
// docker-compose parses docker-compose.yml, with and without the netdata profile, and
// refuses it without a Grafana password; every service is on the host network with its
// monitoring listeners on loopback, wired to each other's addresses; images are pinned to
// exact versions; every TRAKX_* variable it passes is a real config key whose value the
// loader accepts; the Dockerfile's COPY sources are not excluded by .dockerignore, and it
// keeps the properties the README promises (pinned Node 24 base, multi-stage, production
// deps, non-root, tcp+udp, HEALTHCHECK without curl).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configLeaves, loadConfig } from '../../app/config/load.ts';
import { tempHome } from '../helpers/process.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function compose(env: Record<string, string>, ...args: string[]): string {
  return execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

const PASSWORD = { GF_ADMIN_PASSWORD: 'only-for-this-test' };

/** The services of the `redis` profile: Redis, two replicas on it and their Prometheus. */
const REDIS_PROFILE = ['redis', 'trakx-a', 'trakx-b', 'prometheus-redis'];

type Service = {
  image?: string;
  environment?: Record<string, string>;
  ports?: unknown[];
  volumes?: unknown[];
  profiles?: string[];
  network_mode?: string;
  command?: string[];
};

function resolved(env: Record<string, string> = PASSWORD): Record<string, Service> {
  return (parseYaml(compose(env, 'config')) as { services: Record<string, Service> }).services;
}

/** host:port of a URL. */
const hostPort = (url: string) => new URL(url).host;

describe('docker-compose.yml', () => {
  it('parses with docker-compose, the netdata service behind its profile', () => {
    const services = compose(PASSWORD, 'config', '--services').trim().split('\n').sort();
    assert.deepEqual(services, [
      'grafana',
      'netdata',
      'prometheus',
      'prometheus-redis',
      'redis',
      'trakx',
      'trakx-a',
      'trakx-b',
    ]);
    for (const [name, s] of Object.entries(resolved())) {
      const profile = name === 'netdata' ? ['netdata'] : REDIS_PROFILE.includes(name) ? ['redis'] : [];
      assert.deepEqual(s.profiles ?? [], profile, `${name} profiles`);
    }
  });

  it('has no default Grafana password: without GF_ADMIN_PASSWORD it refuses to start', () => {
    const env = { ...process.env };
    delete env.GF_ADMIN_PASSWORD;
    assert.throws(
      () =>
        execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      (err: { stderr: Buffer }) => /GF_ADMIN_PASSWORD/.test(err.stderr.toString()),
    );
    assert.equal(resolved().grafana!.environment!.GF_SECURITY_ADMIN_PASSWORD, PASSWORD.GF_ADMIN_PASSWORD);
  });

  it('runs every service on the host network, monitoring on loopback, wired together', () => {
    const s = resolved();
    for (const [name, svc] of Object.entries(s)) {
      assert.equal(svc.network_mode, 'host', `${name}: the tracker sees client addresses, the rest reach it`);
      assert.equal(svc.ports, undefined, `${name} publishes nothing`);
    }
    const metricsPort = s.trakx!.environment!.TRAKX_METRICS_PORT;
    const prometheus = s.prometheus!.command!.find((a) => a.startsWith('--web.listen-address='));
    assert.equal(prometheus, '--web.listen-address=127.0.0.1:9090');
    assert.equal(s.grafana!.environment!.GF_SERVER_HTTP_ADDR, '127.0.0.1');
    assert.deepEqual(s.netdata!.command, ['-i', '127.0.0.1']);
    assert.equal(hostPort(s.netdata!.environment!.TRAKX_STATS_URL!), `127.0.0.1:${metricsPort}`);
    const scrape = parseYaml(readFileSync(join(ROOT, 'prometheus', 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    assert.deepEqual(scrape.scrape_configs[0].static_configs[0].targets, [`127.0.0.1:${metricsPort}`]);
    const ds = parseYaml(
      readFileSync(join(ROOT, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as { datasources: { url: string }[] };
    assert.equal(hostPort(ds.datasources[0].url), prometheus!.split('=')[1]);
    // Opening them is a deliberate setting.
    const open = resolved({
      ...PASSWORD,
      PROMETHEUS_LISTEN: '[::]:9090',
      GRAFANA_ADDR: '::',
      NETDATA_ADDR: '::',
    });
    assert.ok(open.prometheus!.command!.includes('--web.listen-address=[::]:9090'));
    assert.equal(open.grafana!.environment!.GF_SERVER_HTTP_ADDR, '::');
    assert.deepEqual(open.netdata!.command, ['-i', '::']);
  });

  it('pins every image to an exact supported version', () => {
    const images = Object.fromEntries(Object.entries(resolved()).map(([n, svc]) => [n, svc.image]));
    assert.equal(images.trakx, 'trakx:latest', 'built from the Dockerfile');
    assert.equal(images['trakx-a'], 'trakx:latest');
    assert.equal(images['trakx-b'], 'trakx:latest');
    assert.match(images.prometheus!, /^prom\/prometheus:v3\.\d+\.\d+$/);
    assert.equal(images['prometheus-redis'], images.prometheus);
    assert.match(images.redis!, /^redis:7\.\d+\.\d+-bookworm$/);
    assert.match(images.grafana!, /^grafana\/grafana:12\.\d+\.\d+$/);
    assert.match(images.netdata!, /^netdata\/netdata:v2\.\d+\.\d+$/);
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
    assert.equal(config.metrics.port, 9337, '/metrics and /stats on their own listener');
    assert.equal(config.metrics.ip, '127.0.0.1', 'which only the host reaches');
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
    const froms = [...docker.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    assert.equal(froms.length, 2);
    for (const f of froms) assert.match(f!, /^node:24\.\d+\.\d+-bookworm-slim$/, 'an exact Node 24 base');
    assert.equal(froms[0], froms[1]);
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
