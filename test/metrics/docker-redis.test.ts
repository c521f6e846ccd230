// docker-compose.yml's `redis` profile, checked without an engine (test/containers/
// runs it): Redis on loopback with AOF fsync every second in a volume; two replicas on
// distinct ports, both on that Redis with valid TRAKX_* settings, sharing the connection-id
// secret from one variable, without which they refuse to start; their own Prometheus, which
// promtool accepts, scraping both replicas beside the default stack's.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { configLeaves, loadConfig } from '../../app/config/load.ts';
import { tempHome } from '../helpers/process.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SECRET = '00112233445566778899aabbccddeeff';

type Service = {
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
};

function resolved(
  secret: Record<string, string> = { TRAKX_UDP_CONNECTIONS_SECRET: SECRET },
): Record<string, Service> {
  const out = execFileSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...without(process.env, 'TRAKX_UDP_CONNECTIONS_SECRET'),
      GF_ADMIN_PASSWORD: 'only-for-this-test',
      ...secret,
    },
  });
  return (parseYaml(out) as { services: Record<string, Service> }).services;
}

function without(env: NodeJS.ProcessEnv, key: string): NodeJS.ProcessEnv {
  const { [key]: _, ...rest } = env;
  return rest;
}

/** The value after `flag` in a command line. */
function option(cmd: string[], flag: string): string | undefined {
  const i = cmd.indexOf(flag);
  return i < 0 ? undefined : cmd[i + 1];
}

const REPLICAS = ['trakx-a', 'trakx-b'] as const;

describe("docker-compose.yml's redis profile", () => {
  const s = resolved();

  it('runs Redis on loopback only, with AOF fsync every second in a volume', () => {
    const cmd = s.redis!.command!;
    assert.equal(cmd[0], 'redis-server');
    assert.equal(option(cmd, '--bind'), '127.0.0.1');
    assert.equal(option(cmd, '--appendonly'), 'yes');
    assert.equal(option(cmd, '--appendfsync'), 'everysec');
    assert.ok(
      s.redis!.volumes!.some((v) => /^\S+:\/data(:rw)?$/.test(v) && !v.startsWith('.')),
      'a named volume on /data',
    );
  });

  it('gives the replicas distinct ports, valid settings, one Redis and one secret', () => {
    const home = tempHome();
    const known = new Set(configLeaves().map((l) => l.env));
    const ports = new Set<number>();
    const redisUrl = `redis://127.0.0.1:${option(s.redis!.command!, '--port')}`;
    for (const name of REPLICAS) {
      const env = s[name]!.environment!;
      for (const key of Object.keys(env)) assert.ok(known.has(key), `${name}: ${key} is a config key`);
      const { config } = loadConfig({ env, home, cwd: home, writeDefault: false });
      assert.equal(config.db.type, 'redis', name);
      assert.equal(config.db.redis.url, redisUrl, name);
      assert.equal(config.udp.connections.secret, SECRET, `${name}: the secret from the variable`);
      assert.equal(config.http.port, config.udp.port, name);
      assert.equal(config.metrics.ip, '127.0.0.1', name);
      for (const p of [config.http.port, config.metrics.port]) {
        assert.ok(!ports.has(p), `${name}: port ${p} is its own`);
        ports.add(p);
      }
    }
    assert.ok(!ports.has(1337) && !ports.has(9337), "the default tracker's ports stay free");
  });

  it('refuses to start a replica without the shared secret', () => {
    const home = tempHome();
    for (const name of REPLICAS) {
      const env = resolved({})[name]!.environment!;
      assert.equal(env.TRAKX_UDP_CONNECTIONS_SECRET, '');
      assert.throws(
        () => loadConfig({ env, home, cwd: home, writeDefault: false }),
        /udp\.connections\.secret/,
        name,
      );
    }
  });

  it('has its own Prometheus beside the default one, scraping both replicas', () => {
    const cmd = s['prometheus-redis']!.command!;
    const listen = cmd.find((a) => a.startsWith('--web.listen-address='))!.split('=')[1];
    assert.equal(listen, '127.0.0.1:9091');
    const file = cmd.find((a) => a.startsWith('--config.file='))!.split('=')[1];
    const local = join(ROOT, 'prometheus', file.replace('/etc/prometheus/', ''));
    execFileSync('promtool', ['check', 'config', local], { stdio: 'pipe' });
    const scrape = parseYaml(readFileSync(local, 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const home = tempHome();
    const metrics = REPLICAS.map((name) => {
      const { config } = loadConfig({ env: s[name]!.environment!, home, cwd: home, writeDefault: false });
      return `127.0.0.1:${config.metrics.port}`;
    });
    assert.equal(scrape.scrape_configs[0].job_name, 'trakx', 'the job the alert rules name');
    assert.deepEqual(scrape.scrape_configs[0].static_configs[0].targets, metrics);
  });
});
