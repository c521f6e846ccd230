// The monitoring stack against a live tracker with Debian's real Prometheus: promtool
// accepts prometheus/prometheus.yml and prometheus/alerts.yml; Prometheus, with the
// shipped config (target rewritten to the test port, 1 s intervals), scrapes the
// tracker; then every PromQL expression of the Grafana dashboards and of the alert
// rules is evaluated through the HTTP API and must return data without error.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Service } from '../../app/service.ts';
import { freePort, type Running, start, waitFor } from '../helpers/process.ts';
import { startTestService } from '../helpers/service.ts';
import {
  dashboardFailures,
  evaluatedRules,
  query as promQuery,
  RULES,
  ruleFailures,
  rules,
  successfulScrapes,
  trakxTarget,
} from './promql.ts';
import { driveTraffic } from './traffic.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CONFIG = join(ROOT, 'prometheus', 'prometheus.yml');

describe('Prometheus and Grafana against a live tracker', () => {
  let service: Service;
  let prometheus: Running | undefined;
  let api = '';
  let dir = '';

  const query = (expr: string) => promQuery(api, expr);

  before(async () => {
    service = await startTestService();
    // Short-lived garbage, so the GC histogram has series before the first scrape.
    let keep = 0;
    for (let i = 0; i < 200_000; i++) keep += new Array(16).fill(i).length;
    assert.ok(keep > 0);
    await driveTraffic(service.httpPort, service.udpPort);

    dir = mkdtempSync(join(tmpdir(), 'trakx-prometheus-'));
    const config = readFileSync(CONFIG, 'utf8');
    assert.match(
      config,
      /'127\.0\.0\.1:9337'/,
      "the shipped config scrapes the compose tracker's metrics port",
    );
    writeFileSync(
      join(dir, 'prometheus.yml'),
      config
        .replace("'127.0.0.1:9337'", `'127.0.0.1:${service.httpPort}'`)
        .replace(/scrape_interval: \S+/, 'scrape_interval: 1s')
        .replace(/evaluation_interval: \S+/, 'evaluation_interval: 1s'),
    );
    writeFileSync(join(dir, 'alerts.yml'), readFileSync(RULES));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = start('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    // Successful scrapes only (up is 0 for a failed one), and the latest one must have
    // succeeded: a failed scrape marks every series stale, so the instant queries below
    // would come back empty. A scrape has 1 s here, and a busy CI host can stall longer.
    const up = () => successfulScrapes(api);
    try {
      await waitFor('the first scrape', 20_000, async () => ((await up()) >= 1 ? true : undefined));
      // More traffic between scrapes, so rates are not all zero.
      await driveTraffic(service.httpPort, service.udpPort);
      await waitFor('three scrapes', 20_000, async () => ((await up()) >= 3 ? true : undefined));
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${prometheus.output()}`);
    }
  });

  after(async () => {
    await prometheus?.stop();
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('promtool accepts the shipped config and rules', () => {
    const config = execFileSync('promtool', ['check', 'config', CONFIG], { encoding: 'utf8' });
    assert.match(config, /SUCCESS/);
    const checked = execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    assert.match(checked, new RegExp(`SUCCESS: ${rules().length} rules found`));
  });

  it('scrapes the tracker as a healthy target', async () => {
    const target = await trakxTarget(api);
    assert.equal(target.health, 'up', target.lastError);
    const peers = await query('sum(trakx_peers)');
    assert.ok(Number((peers.data!.result[0] as { value: [number, string] }).value[1]) > 0);
  });

  it('evaluates every Grafana dashboard expression with data', async () => {
    assert.deepEqual(await dashboardFailures(api), []);
  });

  it('evaluates every alert rule, and the figure each one watches has data', async () => {
    assert.deepEqual(await ruleFailures(api), []);
    const list = rules();
    // A healthy tracker fires nothing; the down alert's own expression is empty.
    const down = await query(list.find((r) => r.alert === 'TrakxDown')!.expr);
    assert.equal(down.data!.result.length, 0);
  });

  it('loads the rules and evaluates them without error', async () => {
    for (const r of await evaluatedRules(api, 10_000))
      assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
  });
});
