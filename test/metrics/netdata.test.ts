// The netdata integration with Debian's real netdata python.d plugin: netdata/install.sh
// (run against a temporary config tree through NETDATA_DIR) enables go_expvar and merges
// the trakx job without touching other jobs, idempotently; then python.d.plugin runs the
// installed job against a live tracker's /stats and must chart the tracker's figures.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { Service } from '../../app/service.ts';
import { start, waitFor } from '../helpers/process.ts';
import { startTestService } from '../helpers/service.ts';
import { driveTraffic, EXPECTED } from './traffic.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const INSTALL = join(ROOT, 'netdata', 'install.sh');
const STOCK = '/usr/lib/netdata/conf.d';
const PLUGIN = '/usr/lib/netdata/plugins.d/python.d.plugin';

function install(dir: string, url: string, stock = STOCK): string {
  return execFileSync('sh', [INSTALL], {
    env: { ...process.env, NETDATA_DIR: dir, NETDATA_STOCK_DIR: stock, TRAKX_STATS_URL: url },
    encoding: 'utf8',
  });
}

type Job = {
  url: string;
  collect_memstats: boolean;
  extra_charts: { id: string; lines: { id: string }[] }[];
};

describe('netdata/install.sh', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'trakx-netdata-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installs into an empty tree from the stock files', () => {
    const etc = join(dir, 'fresh');
    install(etc, 'http://127.0.0.1:1/stats');
    // YAML 1.1, as netdata's PyYAML reads it (yes/no are booleans).
    const pyd = parseYaml(readFileSync(join(etc, 'python.d.conf'), 'utf8'), { version: '1.1' }) as Record<
      string,
      unknown
    >;
    assert.equal(pyd.go_expvar, true);
    assert.equal(pyd.enabled, true, 'the stock settings were copied');
    const jobs = parseYaml(readFileSync(join(etc, 'python.d', 'go_expvar.conf'), 'utf8')) as Record<
      string,
      Job
    >;
    assert.equal(jobs.trakx!.url, 'http://127.0.0.1:1/stats');
    assert.equal(jobs.trakx!.collect_memstats, true);
    assert.ok(existsSync(join(etc, 'health.d', 'trakx.conf')));
  });

  it('keeps other jobs and settings, replaces its own job, and is idempotent', () => {
    const etc = join(dir, 'existing');
    mkdirSync(join(etc, 'python.d'), { recursive: true });
    writeFileSync(join(etc, 'python.d.conf'), 'enabled: yes\n# a comment\ngo_expvar: no\napache: no\n');
    const mine = [
      'update_every: 5',
      '',
      'myapp:',
      '  name: myapp',
      '  url: http://127.0.0.1:8080/debug/vars',
      '  collect_memstats: true',
      '',
      'trakx:',
      '  url: http://old/stats',
      '  collect_memstats: false',
      '',
      'other:',
      '  url: http://127.0.0.1:9090/debug/vars',
      '  collect_memstats: true',
      '',
    ].join('\n');
    writeFileSync(join(etc, 'python.d', 'go_expvar.conf'), mine);
    install(etc, 'http://127.0.0.1:2/stats');
    const first = readFileSync(join(etc, 'python.d', 'go_expvar.conf'), 'utf8');
    const jobs = parseYaml(first) as Record<string, Job & { name?: string }>;
    assert.equal(jobs.update_every as unknown, 5);
    assert.equal(jobs.myapp!.url, 'http://127.0.0.1:8080/debug/vars');
    assert.equal(jobs.other!.url, 'http://127.0.0.1:9090/debug/vars');
    assert.equal(jobs.trakx!.url, 'http://127.0.0.1:2/stats', 'the old trakx job was replaced');
    assert.equal(jobs.trakx!.collect_memstats, true);
    assert.equal(first.match(/^trakx:/gm)!.length, 1);
    const pyd = readFileSync(join(etc, 'python.d.conf'), 'utf8');
    assert.equal(pyd, 'enabled: yes\n# a comment\ngo_expvar: yes\napache: no\n');

    install(etc, 'http://127.0.0.1:2/stats');
    assert.equal(
      readFileSync(join(etc, 'python.d', 'go_expvar.conf'), 'utf8'),
      first,
      'a second run changes nothing',
    );
    assert.equal(readFileSync(join(etc, 'python.d.conf'), 'utf8'), pyd);
  });

  it('has alarms only on charts and dimensions the job defines', () => {
    const job = (
      parseYaml(readFileSync(join(ROOT, 'netdata', 'go_expvar.conf'), 'utf8')) as Record<string, Job>
    ).trakx!;
    const charts = new Map<string, Set<string>>();
    for (const c of job.extra_charts as unknown as {
      options: { context: string };
      lines: { id: string }[];
    }[]) {
      charts.set(c.options.context, new Set(c.lines.map((l) => l.id)));
    }
    const health = readFileSync(join(ROOT, 'netdata', 'trakx-health.conf'), 'utf8');
    const alarms = health.split(/\n(?=\s*template:)/).filter((b) => /template:/.test(b));
    assert.ok(alarms.length >= 2);
    for (const a of alarms) {
      const on = /^\s*on:\s*(\S+)/m.exec(a)![1];
      assert.ok(charts.has(on), `alarm on ${on}: a context of the job`);
      const of = /\bof\s+([\w,]+)/.exec(a)?.[1];
      for (const dim of of ? of.split(',') : []) assert.ok(charts.get(on)!.has(dim), `${on} has ${dim}`);
    }
  });
});

describe("netdata's go_expvar collector reads a live tracker", () => {
  let service: Service;
  let dir = '';

  before(async () => {
    service = await startTestService();
    await driveTraffic(service.httpPort, service.udpPort);
    dir = mkdtempSync(join(tmpdir(), 'trakx-netdata-run-'));
  });
  after(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('charts memstats, requests, database totals and errors', async () => {
    const etc = join(dir, 'etc');
    install(etc, `http://127.0.0.1:${service.httpPort}/stats`);
    for (const d of ['lib', 'lock']) mkdirSync(join(dir, d));
    const plugin = start('python3', [PLUGIN, '1', 'debug', 'nolock', 'go_expvar'], {
      env: {
        ...process.env,
        NETDATA_USER_CONFIG_DIR: etc,
        NETDATA_STOCK_CONFIG_DIR: STOCK,
        NETDATA_PLUGINS_DIR: '/usr/lib/netdata/plugins.d',
        NETDATA_LIB_DIR: join(dir, 'lib'),
        NETDATA_LOCK_DIR: join(dir, 'lock'),
      },
    });
    try {
      // Two collections of the trakx charts: the second carries incremental values.
      const out = await waitFor('two collections', 20_000, async () => {
        const o = plugin.output();
        return (o.match(/^BEGIN go_expvar_trakx\.trakx_errors /gm) ?? []).length >= 2 ? o : undefined;
      }).catch((err) => {
        throw new Error(`${err.message}\n${plugin.output().slice(-3000)}`);
      });
      const set = (chart: string, dim: string): number => {
        const block = out.split(`BEGIN go_expvar_trakx.${chart} `)[1];
        assert.ok(block, `chart ${chart} collected`);
        const m = new RegExp(`SET '${dim}' = (-?\\d+)`).exec(block.split('END')[0]);
        assert.ok(m, `${chart}.${dim} set`);
        return Number(m[1]);
      };
      assert.match(out, /^CHART go_expvar_trakx\.trakx_requests .* 'trakx\.requests' /m);
      assert.ok(set('memstats_heap', 'memstats_heap_alloc') > 0);
      assert.ok(set('memstats_sys', 'memstats_sys') > 0);
      assert.equal(
        set('memstats_live_objects', 'memstats_live_objects'),
        EXPECTED.torrents + EXPECTED.peers4 + EXPECTED.peers6,
      );
      assert.equal(set('trakx_database', 'database_peers'), EXPECTED.peers4 + EXPECTED.peers6);
      assert.equal(set('trakx_database', 'database_seeds'), EXPECTED.seeders4);
      assert.equal(set('trakx_database', 'database_ips'), EXPECTED.ips4 + EXPECTED.ips6);
      assert.equal(set('trakx_database', 'database_hashes'), EXPECTED.torrents);
      assert.equal(set('trakx_requests', 'requests_connects'), EXPECTED.udpConnectOk);
      assert.equal(set('trakx_errors', 'errors_server'), 0);
      assert.ok(set('trakx_errors', 'errors_client') >= 1);
      assert.doesNotMatch(out, /Traceback/);
    } finally {
      await plugin.stop();
    }
  });
});
