// The monitoring stack against a live tracker with Debian's real Prometheus: promtool
// accepts prometheus/prometheus.yml and prometheus/alerts.yml; Prometheus, with the
// shipped config (target rewritten to the test port, 1 s intervals), scrapes the
// tracker; then every PromQL expression of the Grafana dashboards and of the alert
// rules is evaluated through the HTTP API and must return data without error.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { Service } from '../../app/service.ts';
import { freePort, type Running, start, waitFor } from '../helpers/process.ts';
import { startTestService } from '../helpers/service.ts';
import { driveTraffic } from './traffic.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CONFIG = join(ROOT, 'prometheus', 'prometheus.yml');
const RULES = join(ROOT, 'prometheus', 'alerts.yml');

interface QueryReply {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

/** Every `expr` string anywhere in the Grafana JSON files under `dir`. */
function grafanaExpressions(dir: string): { file: string; expr: string }[] {
  const out: { file: string; expr: string }[] = [];
  const walk = (node: unknown, file: string) => {
    if (Array.isArray(node)) for (const n of node) walk(n, file);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'expr' && typeof v === 'string') out.push({ file, expr: v });
        else walk(v, file);
      }
    }
  };
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (name.endsWith('.json')) walk(JSON.parse(readFileSync(p, 'utf8')), p.slice(ROOT.length));
    }
  };
  visit(dir);
  return out;
}

/** Grafana's variables made concrete: intervals become 1m, template variables match all. */
function concrete(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '1m')
    .replace(/\$\{?[A-Za-z_]\w*(:\w+)?\}?/g, '.*');
}

/** An alert expression without its final threshold comparison: the figure it watches. */
async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return r.json();
}

function figure(expr: string): string {
  const m = /^([\s\S]*?)\s*(==|!=|>=|<=|>|<)\s*-?[0-9.]+(e[+-]?\d+)?\s*$/.exec(expr.trim());
  assert.ok(m, `alert expression ends with a threshold: ${expr}`);
  return m[1]!;
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

function rules(): Rule[] {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

describe('Prometheus and Grafana against a live tracker', () => {
  let service: Service;
  let prometheus: Running | undefined;
  let api = '';
  let dir = '';

  async function query(expr: string): Promise<QueryReply> {
    return (await getJson(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`)) as QueryReply;
  }

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
    const up = async () => {
      const r = await query('sum(sum_over_time(up{job="trakx"}[1m])) and on() (up{job="trakx"} == 1)');
      const v = (r.data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1];
      return v === undefined ? 0 : Number(v);
    };
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
    const r = (await getJson(`${api}/api/v1/targets`)) as {
      data: { activeTargets: { health: string; lastError: string; labels: { job: string } }[] };
    };
    const targets = r.data.activeTargets.filter((t) => t.labels.job === 'trakx');
    assert.equal(targets.length, 1);
    assert.equal(targets[0]!.health, 'up', targets[0]!.lastError);
    const peers = await query('sum(trakx_peers)');
    assert.ok(Number((peers.data!.result[0] as { value: [number, string] }).value[1]) > 0);
  });

  it('evaluates every Grafana dashboard expression with data', async () => {
    const exprs = grafanaExpressions(join(ROOT, 'grafana'));
    assert.ok(exprs.length >= 20, `${exprs.length} expressions`);
    const failures: string[] = [];
    for (const { file, expr } of exprs) {
      const r = await query(concrete(expr));
      if (r.status !== 'success') failures.push(`${file}: ${expr}: ${r.error}`);
      else if (r.data!.result.length === 0) failures.push(`${file}: ${expr}: empty result`);
    }
    assert.deepEqual(failures, []);
  });

  it('evaluates every alert rule, and the figure each one watches has data', async () => {
    const list = rules();
    assert.ok(list.length >= 3);
    const failures: string[] = [];
    for (const rule of list) {
      const full = await query(rule.expr);
      if (full.status !== 'success') failures.push(`${rule.alert}: ${full.error}`);
      const part = rule.alert ? figure(rule.expr) : rule.expr;
      const r = await query(part);
      if (r.status !== 'success') failures.push(`${rule.alert}: ${part}: ${r.error}`);
      else if (r.data!.result.length === 0) failures.push(`${rule.alert}: ${part}: empty result`);
    }
    assert.deepEqual(failures, []);
    // A healthy tracker fires nothing; the down alert's own expression is empty.
    const down = await query(list.find((r) => r.alert === 'TrakxDown')!.expr);
    assert.equal(down.data!.result.length, 0);
  });

  it('loads the rules and evaluates them without error', async () => {
    const names = rules().map((r) => r.alert ?? r.record);
    const loaded = await waitFor('rule evaluation', 10_000, async () => {
      const r = (await getJson(`${api}/api/v1/rules`)) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const all = r.data.groups.flatMap((g) => g.rules);
      return all.length === names.length && all.every((x) => x.health !== 'unknown') ? all : undefined;
    });
    for (const r of loaded) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
    assert.deepEqual(loaded.map((r) => r.name).sort(), [...names].sort());
  });
});
