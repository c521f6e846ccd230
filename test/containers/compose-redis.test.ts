// docker-compose.yml's `redis` profile run by Debian's docker-compose against the test
// engine (Redis stood in by Debian's redis-server when no registry has the image): two
// replicas on one Redis answer from the same swarms over HTTP and UDP, accept each
// other's connection ids; Redis keeps an AOF on loopback; their Prometheus has both up;
// and the profile stops cleanly.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/process.ts';
import { getJson } from '../metrics/promql.ts';
import { hash20 } from '../udp/packets.ts';
import { command, docker, engineMissing, inspect, NATIVE_ARCH } from './engine.ts';
import { buildTrakx, providePrometheus, provideRedis, ROOT } from './images.ts';
import { nofileOverride } from './nofile.ts';
import { assertFree, heartbeat, httpAnnounce, udpAnnounce } from './probe.ts';

const PROJECT = 'trakxredis';
const ENV = {
  GF_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
  TRAKX_UDP_CONNECTIONS_SECRET: randomBytes(16).toString('hex'),
};
const A = 1338;
const B = 1339;
const PROMETHEUS = 'http://127.0.0.1:9091';
const SERVICES = ['redis', 'trakx-a', 'trakx-b', 'prometheus-redis'];

const dir = mkdtempSync(join(tmpdir(), 'trakx-compose-redis-'));
const files = ['-f', join(ROOT, 'docker-compose.yml'), ...nofileOverride(['trakx-a', 'trakx-b'], dir)];

function compose(args: string[], timeoutMs = 180_000): Promise<string> {
  return command('docker-compose', ['-p', PROJECT, ...files, ...args], timeoutMs, { cwd: ROOT, env: ENV });
}

const peersOf = (r: { peers: { ip: string; port: number }[] }) => r.peers.map((p) => `${p.ip}:${p.port}`);

const skip = engineMissing();

describe('the redis profile: two replicas on one Redis', { skip }, () => {
  before(async () => {
    await compose(['--profile', 'redis', 'down', '-v']).catch(() => '');
    for (const port of [A, B]) {
      await assertFree(port, 'tcp');
      await assertFree(port, 'udp');
    }
    for (const port of [9338, 9339, 9091, 6379]) await assertFree(port, 'tcp');
    await buildTrakx(NATIVE_ARCH, 'trakx:latest');
    await providePrometheus(NATIVE_ARCH);
    await provideRedis(NATIVE_ARCH);
    await compose(['--profile', 'redis', 'up', '-d', '--no-build', ...SERVICES], 300_000);
    for (const port of [A, B])
      await waitFor(`replica on ${port}`, 60_000, () => heartbeat('127.0.0.1', port), 250);
  });

  after(async () => {
    if (!skip) await compose(['--profile', 'redis', 'down', '-v']).catch(() => '');
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists a peer announced over HTTP to one replica in the other's reply", async () => {
    const hash = hash20('compose-redis-http');
    const a = await httpAnnounce('127.0.0.1', A, hash, 1);
    assert.equal(a.externalIp, '127.0.0.1', 'the client address, seen through the host network');
    assert.deepEqual((await httpAnnounce('127.0.0.1', B, hash, 2)).peers, ['127.0.0.1:6001']);
  });

  it("lists a peer announced over UDP to one replica in the other's reply, IPv4 and IPv6", async () => {
    const hash = hash20('compose-redis-udp');
    await udpAnnounce('127.0.0.1', A, hash, 3);
    assert.deepEqual(peersOf(await udpAnnounce('127.0.0.1', B, hash, 4)), ['127.0.0.1:6003']);
    await udpAnnounce('::1', B, hash, 5);
    assert.deepEqual(peersOf(await udpAnnounce('::1', A, hash, 6)), ['0:0:0:0:0:0:0:1:6005']);
  });

  it('accepts a UDP connection id from the other replica (the shared secret)', async () => {
    const hash = hash20('compose-redis-connid');
    await udpAnnounce('127.0.0.1', B, hash, 7, A);
    assert.deepEqual(peersOf(await udpAnnounce('127.0.0.1', A, hash, 8, B)), ['127.0.0.1:6007']);
  });

  it('runs Redis with AOF fsync every second, on loopback only', async () => {
    const id = (await compose(['ps', '-q', 'redis'])).trim();
    const get = async (key: string) =>
      (await docker(['exec', id, 'redis-cli', '-p', '6379', 'config', 'get', key])).trim().split('\n')[1];
    assert.equal(await get('appendonly'), 'yes');
    assert.equal(await get('appendfsync'), 'everysec');
    assert.equal(await get('bind'), '127.0.0.1');
    assert.equal(await get('dir'), '/data', 'the redis-data volume');
  });

  it('has both replicas as healthy Prometheus targets', async () => {
    const up = await waitFor(
      'both targets up',
      90_000,
      async () => {
        const r = (await getJson(`${PROMETHEUS}/api/v1/targets`)) as {
          data: { activeTargets: { health: string; scrapeUrl: string }[] };
        };
        const t = r.data.activeTargets;
        return t.length === 2 && t.every((x) => x.health === 'up') ? t : undefined;
      },
      1000,
    );
    assert.deepEqual(up.map((t) => new URL(t.scrapeUrl).port).sort(), ['9338', '9339']);
  });

  it('stops cleanly: every service exits 0, then down removes it all', async () => {
    const ids = await Promise.all(SERVICES.map(async (s) => (await compose(['ps', '-q', s])).trim()));
    await compose(['--profile', 'redis', 'stop'], 120_000);
    for (const [i, id] of ids.entries()) {
      assert.equal(await inspect(id, '{{.State.Status}}'), 'exited', SERVICES[i]);
      assert.equal(await inspect(id, '{{.State.ExitCode}}'), '0', SERVICES[i]);
    }
    await compose(['--profile', 'redis', 'down', '-v'], 120_000);
    assert.equal((await compose(['--profile', 'redis', 'ps', '-q'])).trim(), '');
  });
});
