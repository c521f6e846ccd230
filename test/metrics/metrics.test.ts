// /metrics and /stats of a real service after a known mix of HTTP and UDP traffic:
// every counter and gauge holds what the traffic implies, /stats has the shape netdata's
// go_expvar needs, every metric the README names is exposed, and the config switches
// (separate listener, histogram off, metrics off) do what they say.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DURATION_BUCKETS } from '../../app/metrics/duration-histogram.ts';
import type { Service } from '../../app/service.ts';
import { get, pct } from '../helpers/http-client.ts';
import { freePort } from '../helpers/process.ts';
import { skipWithout, toolMissing } from '../helpers/required-tool.ts';
import { startTestService } from '../helpers/service.ts';
import { families, samples, value } from './exposition.ts';
import { closeTraffic, driveTraffic, EXPECTED } from './traffic.ts';

const H = '127.0.0.1';
const promtoolMissing = toolMissing('promtool', ['--version'], 'prometheus');

async function text(port: number, path: string): Promise<string> {
  const r = await get(H, port, path);
  assert.equal(r.status, 200, `${path} → ${r.status}`);
  return r.body.toString('utf8');
}

/** Metric names written in backticks in the README's Monitoring → Metrics subsection. */
export function readmeMetricNames(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const monitoring = readme.indexOf('\n## Monitoring');
  assert.ok(monitoring >= 0, 'README has a Monitoring section');
  const start = readme.indexOf('\n### Metrics', monitoring);
  assert.ok(start >= 0, 'Monitoring has a Metrics subsection');
  const end = readme.indexOf('\n##', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...new Set([...section.matchAll(/`(trakx_[a-z0-9_]+)`/g)].map((m) => m[1]))];
}

describe('metrics of a live service', () => {
  let service: Service;
  let metrics: string;

  before(async () => {
    service = await startTestService();
    await driveTraffic(service.httpPort, service.udpPort);
    metrics = await text(service.httpPort, '/metrics');
  });
  after(() => {
    closeTraffic();
    return service.close();
  });

  it('serves the Prometheus text format on the HTTP port', async () => {
    const r = await get(H, service.httpPort, '/metrics');
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(service.metricsPort, service.httpPort);
    // Every sample line parses.
    assert.ok(samples(metrics).length > 100);
  });

  it('counts requests by protocol, action and result', () => {
    const req = (protocol: string, action: string, result: string) =>
      value(metrics, 'trakx_requests_total', { protocol, action, result });
    assert.equal(req('http', 'announce', 'ok'), EXPECTED.httpAnnounceOk);
    assert.equal(req('http', 'announce', 'client_error'), EXPECTED.httpAnnounceClientError);
    assert.equal(req('http', 'scrape', 'ok'), EXPECTED.httpScrapeOk);
    assert.equal(req('http', 'announce', 'server_error'), 0);
    assert.ok(service.udpPort > 0, 'the test service runs the UDP tracker');
    assert.equal(req('udp', 'connect', 'ok'), EXPECTED.udpConnectOk);
    assert.equal(req('udp', 'announce', 'ok'), EXPECTED.udpAnnounceOk);
    assert.equal(req('udp', 'scrape', 'ok'), EXPECTED.udpScrapeOk);
    // Every combination that can occur exists from the start, so rates and ratios never
    // lack a series: all 18 but the 3 of an HTTP connect, which does not exist.
    const series = samples(metrics).filter((s) => s.name === 'trakx_requests_total');
    assert.equal(series.length, 15);
    assert.deepEqual(
      series.filter((s) => s.labels.protocol === 'http' && s.labels.action === 'connect'),
      [],
    );
  });

  it('counts announces by event, UDP errors by reason, and bytes', () => {
    assert.equal(value(metrics, 'trakx_announces_total', { event: 'started' }), EXPECTED.started);
    assert.equal(value(metrics, 'trakx_announces_total', { event: 'completed' }), EXPECTED.completed);
    assert.equal(value(metrics, 'trakx_announces_total', { event: 'none' }), EXPECTED.none);
    assert.equal(
      value(metrics, 'trakx_udp_errors_total', { reason: 'bad_connection_id' }),
      EXPECTED.udpErrors,
    );
    for (const p of ['http', 'udp']) {
      assert.ok(value(metrics, 'trakx_received_bytes_total', { protocol: p }) > 0, `received ${p}`);
      assert.ok(value(metrics, 'trakx_sent_bytes_total', { protocol: p }) > 0, `sent ${p}`);
    }
  });

  it('reports the swarm gauges per address family', () => {
    assert.equal(value(metrics, 'trakx_torrents'), EXPECTED.torrents);
    assert.equal(value(metrics, 'trakx_torrents_count_only'), 0);
    assert.equal(value(metrics, 'trakx_peers', { family: 'ipv4' }), EXPECTED.peers4);
    assert.equal(value(metrics, 'trakx_peers', { family: 'ipv6' }), EXPECTED.peers6);
    assert.equal(value(metrics, 'trakx_seeders', { family: 'ipv4' }), EXPECTED.seeders4);
    assert.equal(value(metrics, 'trakx_leechers', { family: 'ipv4' }), EXPECTED.leechers4);
    assert.equal(value(metrics, 'trakx_leechers', { family: 'ipv6' }), EXPECTED.leechers6);
    assert.equal(value(metrics, 'trakx_unique_ips', { family: 'ipv4' }), EXPECTED.ips4);
    assert.equal(value(metrics, 'trakx_unique_ips', { family: 'ipv6' }), EXPECTED.ips6);
  });

  it('counts WebSocket connections, messages by action and result, and WebRTC peers', () => {
    const msg = (action: string, result: string) =>
      value(metrics, 'trakx_ws_messages_total', { action, result });
    assert.equal(msg('announce', 'ok'), EXPECTED.wsAnnounceOk);
    assert.equal(msg('scrape', 'ok'), EXPECTED.wsScrapeOk);
    assert.equal(msg('invalid', 'invalid'), EXPECTED.wsInvalid);
    assert.equal(msg('answer', 'no_peer'), 0, 'every series exists before its first message');
    assert.equal(value(metrics, 'trakx_ws_connections'), EXPECTED.wsConnections);
    assert.equal(value(metrics, 'trakx_ws_peers'), EXPECTED.wsPeers);
  });

  it('passes `promtool check metrics` (Debian prometheus)', { skip: skipWithout(promtoolMissing) }, () => {
    assert.equal(promtoolMissing, null, promtoolMissing ?? '');
    // promtool accepts empty input, so make sure the scrape is the real one.
    assert.ok(samples(metrics).some((s) => s.name === 'trakx_requests_total'));
    const r = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool check metrics: ${r.stdout}${r.stderr}`);
    // The gauges it objected to are gone; their per-type gauges stay.
    const f = families(metrics);
    for (const name of ['active_handles', 'active_requests', 'active_resources']) {
      assert.ok(f.has(`trakx_nodejs_${name}`), name);
      assert.ok(!f.has(`trakx_nodejs_${name}_total`), `${name}_total`);
    }
  });

  it('keeps a consistent duration histogram', () => {
    const labels = { protocol: 'http', action: 'announce' };
    const count = value(metrics, 'trakx_request_duration_seconds_count', labels);
    assert.equal(count, EXPECTED.httpAnnounceOk + EXPECTED.httpAnnounceClientError);
    assert.equal(value(metrics, 'trakx_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), count);
    const buckets = samples(metrics).filter(
      (s) =>
        s.name === 'trakx_request_duration_seconds_bucket' &&
        s.labels.protocol === 'http' &&
        s.labels.action === 'announce',
    );
    assert.deepEqual(
      samples(metrics)
        .filter((s) => s.name.startsWith('trakx_request_duration_seconds') && s.labels.action === 'connect')
        .map((s) => s.labels.protocol),
      Array(DURATION_BUCKETS.length + 3).fill('udp'),
      'UDP connects only: HTTP has no connect',
    );
    for (let i = 1; i < buckets.length; i++)
      assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative');
    assert.ok(value(metrics, 'trakx_request_duration_seconds_sum', labels) > 0);
  });

  it('reports the last snapshot save', async () => {
    assert.equal(value(metrics, 'trakx_snapshot_size_bytes'), 0);
    const saved = await service.save();
    assert.ok(saved, 'the test service persists');
    const after = await text(service.httpPort, '/metrics');
    assert.equal(value(after, 'trakx_snapshot_size_bytes'), saved.bytes);
    assert.ok(value(after, 'trakx_snapshot_duration_seconds') > 0);
    assert.ok(Math.abs(value(after, 'trakx_snapshot_timestamp_seconds') - Date.now() / 1000) < 60);
  });

  it("includes Node's default metrics with the trakx_ prefix", () => {
    const f = families(metrics);
    for (const name of [
      'trakx_nodejs_eventloop_lag_p99_seconds',
      'trakx_nodejs_heap_size_used_bytes',
      'trakx_process_resident_memory_bytes',
      'trakx_nodejs_gc_duration_seconds',
    ]) {
      assert.ok(f.has(name), name);
    }
    for (const name of f) assert.ok(name.startsWith('trakx_'), `${name} has the prefix`);
  });

  it('exposes every metric the README names', () => {
    const names = readmeMetricNames();
    assert.ok(names.length >= 20, `README names ${names.length} metrics`);
    const f = families(metrics);
    const missing = names.filter((n) => !f.has(n));
    assert.deepEqual(missing, []);
  });

  it('serves /stats in the shape go_expvar reads', async () => {
    const r = await get(H, service.httpPort, '/stats');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const stats = JSON.parse(r.body.toString('utf8'));
    assert.ok(Array.isArray(stats.cmdline) && stats.cmdline.every((s: unknown) => typeof s === 'string'));
    const m = stats.memstats;
    for (const k of [
      'HeapAlloc',
      'HeapInuse',
      'StackInuse',
      'MSpanInuse',
      'MCacheInuse',
      'Sys',
      'Mallocs',
      'Frees',
      'NumGC',
    ]) {
      assert.ok(Number.isInteger(m[k]) && m[k] >= 0, `memstats.${k} = ${m[k]}`);
    }
    assert.ok(m.HeapAlloc > 0 && m.Sys > m.HeapAlloc);
    assert.equal(m.PauseNs.length, 256);
    assert.ok(m.PauseNs.every((v: unknown) => Number.isInteger(v) && (v as number) >= 0));
    assert.equal(m.Mallocs - m.Frees, EXPECTED.torrents + EXPECTED.peers4 + EXPECTED.peers6);
    // Cumulative request counts (netdata's `incremental`) and current database totals.
    assert.equal(
      stats['trakx.requests.announces'],
      EXPECTED.httpAnnounceOk +
        EXPECTED.httpAnnounceClientError +
        EXPECTED.udpAnnounceOk +
        EXPECTED.udpErrors,
    );
    assert.equal(stats['trakx.requests.connects'], EXPECTED.udpConnectOk);
    assert.equal(stats['trakx.requests.scrapes'], EXPECTED.httpScrapeOk + EXPECTED.udpScrapeOk);
    assert.ok(
      stats['trakx.requests.hits'] >= stats['trakx.requests.announces'] + stats['trakx.requests.scrapes'],
    );
    assert.equal(stats['trakx.errors.server'], 0);
    assert.ok(stats['trakx.errors.client'] >= EXPECTED.httpAnnounceClientError);
    assert.equal(stats['trakx.database.peers'], EXPECTED.peers4 + EXPECTED.peers6);
    assert.equal(stats['trakx.database.seeds'], EXPECTED.seeders4);
    assert.equal(stats['trakx.database.leeches'], EXPECTED.leechers4 + EXPECTED.leechers6);
    assert.equal(stats['trakx.database.ips'], EXPECTED.ips4 + EXPECTED.ips6);
    assert.equal(stats['trakx.database.hashes'], EXPECTED.torrents);
  });

  it('records GC pauses in the circular buffer', async () => {
    // Short-lived garbage forces scavenges in this (the tracker's) process.
    let keep = 0;
    for (let i = 0; i < 200_000; i++) keep += new Array(16).fill(i).length;
    assert.ok(keep > 0);
    await new Promise((r) => setTimeout(r, 50));
    const m = JSON.parse(await text(service.httpPort, '/stats')).memstats;
    assert.ok(m.NumGC > 0, 'a collection was seen');
    const last = m.PauseNs[(m.NumGC + 255) % 256];
    assert.ok(last > 0, 'the newest pause is at (NumGC + 255) % 256');
    assert.ok(m.PauseTotalNs >= last);
  });
});

describe('count-only records', () => {
  it('are reported apart from trakx_torrents, and not as hashes in /stats', async () => {
    const service = await startTestService();
    try {
      const announce = async (hash: string, q: string) => {
        const r = await get(H, service.httpPort, `/announce?info_hash=${pct(Buffer.alloc(20, hash))}&${q}`);
        assert.ok(!r.body.includes('failure reason'), r.body.toString('latin1'));
      };
      const seeder = `peer_id=${'s'.repeat(20)}&port=7001&left=0`;
      // a: its completed peer left, so only its count is kept; b: one leecher.
      await announce('a', `${seeder}&event=completed`);
      await announce('a', `${seeder}&event=stopped`);
      await announce('b', `peer_id=${'l'.repeat(20)}&port=7002&left=5`);
      const m = await text(service.httpPort, '/metrics');
      assert.equal(value(m, 'trakx_torrents'), 1);
      assert.equal(value(m, 'trakx_torrents_count_only'), 1);
      const stats = JSON.parse(await text(service.httpPort, '/stats'));
      assert.equal(stats['trakx.database.hashes'], 1);
    } finally {
      await service.close();
    }
  });
});

describe('metrics configuration', () => {
  it('metrics.port serves /metrics and /stats on their own listener only', async () => {
    const port = await freePort();
    const service = await startTestService({
      env: { TRAKX_METRICS_PORT: String(port), TRAKX_METRICS_IP: H },
    });
    try {
      assert.equal(service.metricsPort, port);
      assert.match(await text(port, '/metrics'), /^# HELP /m);
      assert.ok(JSON.parse(await text(port, '/stats')).memstats);
      assert.equal((await get(H, service.httpPort, '/metrics')).status, 404, 'not on the public port');
      assert.equal((await get(H, service.httpPort, '/stats')).status, 404, 'not on the public port');
    } finally {
      await service.close();
    }
  });

  it('metrics.histogram false drops the duration histogram', async () => {
    const service = await startTestService({ env: { TRAKX_METRICS_HISTOGRAM: 'false' } });
    try {
      await driveTraffic(service.httpPort, 0);
      const m = await text(service.httpPort, '/metrics');
      assert.ok(!families(m).has('trakx_request_duration_seconds'));
      assert.equal(
        value(m, 'trakx_requests_total', { protocol: 'http', action: 'announce', result: 'ok' }),
        5,
      );
    } finally {
      await service.close();
    }
  });

  it('metrics.enabled false serves neither path', async () => {
    const service = await startTestService({ env: { TRAKX_METRICS_ENABLED: 'false' } });
    try {
      assert.equal(service.metrics, undefined);
      assert.equal(service.metricsPort, 0);
      assert.equal((await get(H, service.httpPort, '/metrics')).status, 404);
      assert.equal((await get(H, service.httpPort, '/stats')).status, 404);
    } finally {
      await service.close();
    }
  });
});
