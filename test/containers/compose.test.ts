// docker-compose.yml run by Debian's docker-compose against the test engine, with the
// images built or stood in by test/containers/images.ts: the tracker records each
// client's own address (IPv4 and IPv6) on the host network; Prometheus's target is up and
// every dashboard and alert expression returns data; the netdata profile's go_expvar job
// draws the trakx charts; `docker-compose stop` saves the snapshot. Grafana has no image
// here: its provisioning is checked against the running stack instead.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { get } from '../helpers/http-client.ts';
import { waitFor } from '../helpers/process.ts';
import { LOOPBACK6_HEX } from '../http/util.ts';
import {
  dashboardFailures,
  evaluatedRules,
  getJson,
  ruleFailures,
  successfulScrapes,
  trakxTarget,
} from '../metrics/promql.ts';
import { driveTraffic } from '../metrics/traffic.ts';
import { hash20 } from '../udp/packets.ts';
import { command, docker, engineMissing, inspect, logs, NATIVE_ARCH } from './engine.ts';
import { buildTrakx, provideNetdata, providePrometheus, ROOT } from './images.ts';
import { GRANTED, nofileOverride } from './nofile.ts';
import { assertFree, heartbeat, httpAnnounce, udpAnnounce } from './probe.ts';

const PROJECT = 'trakxtest';
const ENV = { GF_ADMIN_PASSWORD: randomBytes(12).toString('hex') };
const TRACKER = 1337;
const PROMETHEUS = 'http://127.0.0.1:9090';
const NETDATA = 'http://127.0.0.1:19999';

let files = ['-f', join(ROOT, 'docker-compose.yml')];

function compose(args: string[], timeoutMs = 180_000): Promise<string> {
  return command('docker-compose', ['-p', PROJECT, ...files, ...args], timeoutMs, { cwd: ROOT, env: ENV });
}

const container = async (service: string) => (await compose(['ps', '-q', service])).trim();

const skip = engineMissing();

describe('the compose stack on the host network', { skip }, () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trakx-compose-'));
    files = [...files, ...nofileOverride(['trakx'], dir)];
    await compose(['--profile', 'netdata', 'down', '-v']).catch(() => '');
    for (const [port, proto] of [
      [TRACKER, 'tcp'],
      [TRACKER, 'udp'],
      [9337, 'tcp'],
      [9090, 'tcp'],
      [19999, 'tcp'],
    ] as const) {
      await assertFree(port, proto);
    }
    const seconds = await buildTrakx(NATIVE_ARCH, 'trakx:latest');
    console.log(`trakx:latest built in ${seconds.toFixed(1)} s`);
    await providePrometheus(NATIVE_ARCH);
    await provideNetdata(NATIVE_ARCH);
    // The default stack but Grafana, whose image no registry here has.
    await compose(['up', '-d', '--no-build', 'trakx', 'prometheus'], 300_000);
    await waitFor('the tracker', 60_000, () => heartbeat('127.0.0.1', TRACKER), 250);
    await driveTraffic(TRACKER, TRACKER);
  });

  after(async () => {
    if (!skip) await compose(['--profile', 'netdata', 'down', '-v']).catch(() => '');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records each client's own address, IPv4 and IPv6, over HTTP and UDP", async () => {
    const hash = hash20('compose-address');
    const v4 = await httpAnnounce('127.0.0.1', TRACKER, hash, 1);
    assert.equal(v4.externalIp, '127.0.0.1');
    const v6 = await httpAnnounce('::1', TRACKER, hash, 2);
    assert.equal(v6.externalIp, LOOPBACK6_HEX);
    assert.deepEqual(v6.peers, ['127.0.0.1:6001'], 'the IPv4 peer, at its own address');
    const udp4 = await udpAnnounce('127.0.0.1', TRACKER, hash, 3);
    assert.deepEqual(
      udp4.peers.map((p) => `${p.ip}:${p.port}`),
      ['127.0.0.1:6001'],
    );
    const udp6 = await udpAnnounce('::1', TRACKER, hash, 4);
    assert.deepEqual(
      udp6.peers.map((p) => `${p.ip}:${p.port}`),
      ['0:0:0:0:0:0:0:1:6002'],
    );
  });

  it('runs the tracker as uid 1000 with the open files the compose file allows', async () => {
    const id = await container('trakx');
    const status = await docker(['exec', id, 'cat', '/proc/1/status']);
    assert.match(status, /^Uid:\s+1000\s/m);
    const limits = await docker(['exec', id, 'cat', '/proc/1/limits']);
    assert.match(limits, new RegExp(`^Max open files\\s+${GRANTED}\\s+${GRANTED}\\s`, 'm'));
  });

  it('serves /metrics and /stats on loopback only', async () => {
    assert.equal((await get('127.0.0.1', 9337, '/metrics')).status, 200);
    assert.equal((await get('127.0.0.1', 9337, '/stats')).status, 200);
    assert.equal((await get('127.0.0.1', TRACKER, '/metrics')).status, 404, 'not on the public port');
  });

  describe('Prometheus', () => {
    before(async () => {
      // The shipped config scrapes every 15 s: two good scrapes give every rate() data.
      await waitFor('the first scrape', 60_000, async () => (await successfulScrapes(PROMETHEUS)) >= 1, 1000);
      await driveTraffic(TRACKER, TRACKER);
      await waitFor('two scrapes', 60_000, async () => (await successfulScrapes(PROMETHEUS)) >= 2, 1000);
    });

    it('has the tracker as a healthy target', async () => {
      const target = await trakxTarget(PROMETHEUS);
      assert.equal(target.health, 'up', target.lastError);
    });

    it('returns data for every dashboard expression', async () => {
      assert.deepEqual(await dashboardFailures(PROMETHEUS), []);
    });

    it('returns data for every alert rule and evaluates them all', async () => {
      assert.deepEqual(await ruleFailures(PROMETHEUS), []);
      for (const r of await evaluatedRules(PROMETHEUS, 60_000)) {
        assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
      }
    });

    it("is where Grafana's provisioned datasource points, under the uid the dashboards use", async () => {
      const ds = parseYaml(
        readFileSync(join(ROOT, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
      ) as { datasources: { uid: string; url: string; type: string }[] };
      const { uid, url, type } = ds.datasources[0];
      assert.equal(type, 'prometheus');
      const build = (await getJson(`${url}/api/v1/status/buildinfo`)) as { status: string };
      assert.equal(build.status, 'success', `${url} answers as Prometheus`);
      const dashboard = readFileSync(join(ROOT, 'grafana', 'dashboards', 'trakx.json'), 'utf8');
      const uids = new Set(
        [...dashboard.matchAll(/"datasource":\s*\{[^}]*"uid":\s*"([^"]+)"/g)].map((m) => m[1]),
      );
      assert.deepEqual([...uids], [uid]);
    });
  });

  describe('netdata (profile netdata)', () => {
    before(async () => {
      await compose(['--profile', 'netdata', 'up', '-d', '--no-build', 'netdata'], 300_000);
    });

    it("charts the tracker through the go_expvar job and loads trakx's alarms", async () => {
      const charts = await waitFor(
        'the trakx charts',
        90_000,
        async () => {
          const r = (await getJson(`${NETDATA}/api/v1/charts`)) as { charts: Record<string, unknown> };
          return 'go_expvar_trakx.trakx_database' in r.charts ? r.charts : undefined;
        },
        1000,
      ).catch(async (err) => {
        throw new Error(`${err.message}\n${(await logs(await container('netdata'))).slice(-3000)}`);
      });
      for (const id of ['trakx_requests', 'trakx_database', 'trakx_errors']) {
        assert.ok(`go_expvar_trakx.${id}` in charts, id);
      }
      const peers = await waitFor(
        'peers charted',
        30_000,
        async () => {
          const d = (await getJson(
            `${NETDATA}/api/v1/data?chart=go_expvar_trakx.trakx_database&after=-5&points=1&group=max&format=json`,
          )) as { labels: string[]; data: number[][] };
          const v = d.data[0]?.[d.labels.indexOf('peers')];
          return v !== undefined && v > 0 ? v : undefined;
        },
        1000,
      );
      assert.ok(peers > 0);
      // Health starts its alarms a little after the charts appear.
      await waitFor(
        "trakx's alarms",
        60_000,
        async () => {
          const r = (await getJson(`${NETDATA}/api/v1/alarms?all`)) as { alarms: Record<string, unknown> };
          return Object.keys(r.alarms).some((k) => /^go_expvar_trakx\..*trakx_server_errors$/.test(k));
        },
        1000,
      );
    });
  });

  it('saves the snapshot in its volume on `docker-compose stop`', async () => {
    const id = await container('trakx');
    await compose(['stop', 'trakx'], 120_000);
    const out = await logs(id);
    assert.match(out, /snapshot saved/);
    assert.equal(await inspect(id, '{{.State.ExitCode}}'), '0');
    await compose(['start', 'trakx']);
    await waitFor('the tracker again', 60_000, () => heartbeat('127.0.0.1', TRACKER), 250);
    assert.match((await logs(id)).slice(out.length), /snapshot restored/);
  });
});
