// The PromQL the monitoring stack ships (every `expr` of the Grafana dashboards, every
// alert rule) evaluated against a running Prometheus's HTTP API, for the tests that run
// one: Debian's Prometheus beside an in-process tracker (prometheus.test.ts) and the
// compose stack (test/containers/compose.test.ts).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { waitFor } from '../helpers/process.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
export const RULES = join(ROOT, 'prometheus', 'alerts.yml');
export const DASHBOARDS = join(ROOT, 'grafana');

export interface QueryReply {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

export async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return r.json();
}

/** An instant query against the Prometheus at `api` (http://host:port). */
export async function query(api: string, expr: string): Promise<QueryReply> {
  return (await getJson(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`)) as QueryReply;
}

/**
 * Successful scrapes of the trakx job in the last minute, 0 unless the latest one
 * succeeded (a failed scrape marks every series stale, so instant queries come back empty).
 */
export async function successfulScrapes(api: string): Promise<number> {
  const r = await query(api, 'sum(sum_over_time(up{job="trakx"}[1m])) and on() (up{job="trakx"} == 1)');
  const v = (r.data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1];
  return v === undefined ? 0 : Number(v);
}

/** Every `expr` string anywhere in the Grafana JSON files under `dir`. */
export function grafanaExpressions(dir = DASHBOARDS): { file: string; expr: string }[] {
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
function figure(expr: string): string {
  const m = /^([\s\S]*?)\s*(==|!=|>=|<=|>|<)\s*-?[0-9.]+(e[+-]?\d+)?\s*$/.exec(expr.trim());
  assert.ok(m, `alert expression ends with a threshold: ${expr}`);
  return m[1];
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

export function rules(): Rule[] {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** Dashboard expressions that fail or return no data (at least 20 must exist). */
export async function dashboardFailures(api: string): Promise<string[]> {
  const exprs = grafanaExpressions();
  assert.ok(exprs.length >= 20, `${exprs.length} expressions`);
  const failures: string[] = [];
  for (const { file, expr } of exprs) {
    const r = await query(api, concrete(expr));
    if (r.status !== 'success') failures.push(`${file}: ${expr}: ${r.error}`);
    else if (r.data!.result.length === 0) failures.push(`${file}: ${expr}: empty result`);
  }
  return failures;
}

/** Alert rules that fail, or whose watched figure has no data (at least 3 must exist). */
export async function ruleFailures(api: string): Promise<string[]> {
  const list = rules();
  assert.ok(list.length >= 3);
  const failures: string[] = [];
  for (const rule of list) {
    const full = await query(api, rule.expr);
    if (full.status !== 'success') failures.push(`${rule.alert}: ${full.error}`);
    const part = rule.alert ? figure(rule.expr) : rule.expr;
    const r = await query(api, part);
    if (r.status !== 'success') failures.push(`${rule.alert}: ${part}: ${r.error}`);
    else if (r.data!.result.length === 0) failures.push(`${rule.alert}: ${part}: empty result`);
  }
  return failures;
}

/** The trakx job's one scrape target: its health and last error. */
export async function trakxTarget(api: string): Promise<{ health: string; lastError: string }> {
  const r = (await getJson(`${api}/api/v1/targets`)) as {
    data: { activeTargets: { health: string; lastError: string; labels: { job: string } }[] };
  };
  const targets = r.data.activeTargets.filter((t) => t.labels.job === 'trakx');
  assert.equal(targets.length, 1);
  return targets[0];
}

/** The loaded rules once every shipped rule has been evaluated at least once. */
export async function evaluatedRules(
  api: string,
  ms: number,
): Promise<{ name: string; health: string; lastError?: string }[]> {
  const names = rules().map((r) => r.alert ?? r.record);
  const loaded = await waitFor('rule evaluation', ms, async () => {
    const r = (await getJson(`${api}/api/v1/rules`)) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const all = r.data.groups.flatMap((g) => g.rules);
    return all.length === names.length && all.every((x) => x.health !== 'unknown') ? all : undefined;
  });
  assert.deepEqual(loaded.map((r) => r.name).sort(), [...names].sort());
  return loaded;
}
