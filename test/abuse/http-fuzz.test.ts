// HTTP fuzz over real sockets: ≥ 10,000 generated malformed requests (bad escapes,
// binary bytes, huge and repeated parameters, missing fields, wrong methods and routes,
// oversized headers and URLs, truncated requests, junk headers, garbage scrapes, path
// traversal) plus slowloris connections, against a real service. Every request is
// defective by construction, so none may change the swarms. Invariants: no crash, no
// unhandled rejection, no 5xx, no stack trace or internal path in any reply, the store
// digest unchanged, and good requests answered correctly in between and afterwards.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { bdecode } from '../helpers/bdecode.ts';
import { pct } from '../helpers/http-client.ts';
import { Rand } from '../helpers/prng.ts';
import { startTestService } from '../helpers/service.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { LEAK, ProcessWatch } from './fuzz.ts';
import { bodyOf, getRequest, rawHttp } from './raw-http.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7a4b1c);
const REQUESTS = 10_400;
const WORKERS = 12;
const SLOWLORIS = 24;
const REQUEST_TIMEOUT_S = 1;

let svc: Service;
const watch = new ProcessWatch();

/** The swarm the good requests keep re-announcing (same bytes every time). */
const TORRENTS = 16;
const PEERS = 3;
const hashes: Buffer[] = [];
const ids: Buffer[] = [];

function goodQuery(t: number, p: number): [string, string][] {
  return [
    ['info_hash', pct(hashes[t])],
    ['peer_id', pct(ids[p])],
    ['port', String(20000 + p)],
    ['uploaded', '0'],
    ['downloaded', '0'],
    ['left', p === 0 ? '0' : '100'],
    ['compact', '1'],
  ];
}

function serialize(params: [string, string][]): string {
  return params.map(([k, v]) => (v === '\0flag' ? k : `${k}=${v}`)).join('&');
}

interface Case {
  kind: string;
  bytes: Buffer | Buffer[];
  /** Statuses this case may get; 0 = the server closed without answering. */
  allowed: number[];
}

const FIELDS = ['info_hash', 'peer_id', 'port', 'uploaded', 'downloaded', 'left', 'numwant', 'event'];

/** Make a parameter list definitely invalid (applied last, so repeats cannot undo it). */
function defect(r: Rand, q: [string, string][]): [string, string][] {
  switch (r.int(9)) {
    case 0: {
      const key = r.pick(['info_hash', 'peer_id', 'port']);
      return q.filter(([k]) => k !== key);
    }
    case 1: {
      let n = r.int(60);
      if (n === 20) n = 21;
      return [...q, ['info_hash', pct(r.bytes(n))]];
    }
    case 2: {
      let n = r.int(60);
      if (n === 20) n = 0;
      return [...q, ['peer_id', pct(r.bytes(n))]];
    }
    case 3:
      return [
        ...q,
        ['port', r.pick(['0', '65536', '-1', '99999999999999999999', '1e3', '0x50', '%2080', '8O', ''])],
      ];
    case 4:
      return [
        ...q,
        [
          r.pick(['uploaded', 'downloaded', 'left', 'numwant']),
          r.pick(['-1', 'abc', '1.5', '1e9', '+5', '18446744073709551616', '%20', '']),
        ],
      ];
    case 5:
      return [
        ...q,
        ['event', r.pick(['start', 'STARTED', 'stop', 'x', '%00', 'completed%00', 'stopped%20', '1'])],
      ];
    case 6: {
      // A malformed escape anywhere fails the whole query.
      const bad = r.pick(['%', '%4', '%G0', '%0g', '%%', '%zz', '%\u00ff1', '%-1']);
      const i = r.int(q.length + 1);
      const copy = q.slice();
      copy.splice(i, 0, [r.pick(FIELDS), `x${bad}`]);
      return copy;
    }
    case 7:
      return [...q, ['info_hash', '\0flag']];
    default:
      // Wider-than-byte characters cannot be a URL's bytes.
      return [...q, ['peer_id', `${pct(r.bytes(19))}\u0100`]];
  }
}

/** Parameter-level chaos before the defect: repeats, junk keys, huge values, binary. */
function chaos(r: Rand, q: [string, string][]): [string, string][] {
  const out = q.slice();
  const rounds = r.int(4);
  for (let k = 0; k < rounds; k++) {
    switch (r.int(6)) {
      case 0: {
        const [key, value] = r.pick(out.length ? out : [['x', 'y'] as [string, string]]);
        const times = 1 + r.int(r.chance(0.1) ? 200 : 5);
        for (let i = 0; i < times; i++) out.push([key, value]);
        break;
      }
      case 1:
        out.push([pct(r.bytes(1 + r.int(8))), pct(r.bytes(r.int(30)))]);
        break;
      case 2:
        out.push(['key', 'x'.repeat(r.int(3000))]);
        break;
      case 3:
        out.sort(() => r.next() - 0.5);
        break;
      case 4:
        out.push(['numwant', r.pick(['0', '1', '999999', '200'])], ['compact', r.pick(['0', '1', ''])]);
        break;
      default:
        out.push(['no_peer_id', '\0flag'], ['ip', '6.6.6.6'], ['ipv6', '::1']);
    }
  }
  return out;
}

function makeCase(r: Rand): Case {
  const t = r.int(TORRENTS);
  const p = r.int(PEERS);
  const valid = goodQuery(t, p).concat(
    r.chance(0.5) ? [] : [['peer_id', pct(r.bytes(20))]], // other ids, same valid shape
  ) as [string, string][];
  const roll = r.int(100);
  if (roll < 40) {
    const target = `/announce?${serialize(defect(r, chaos(r, valid)))}`;
    return { kind: 'query', bytes: getRequest(target), allowed: [200, 400, 414, 431] };
  }
  if (roll < 50) {
    const method = r.pick([
      'POST',
      'PUT',
      'DELETE',
      'PATCH',
      'OPTIONS',
      'TRACE',
      'PROPFIND',
      'get',
      'GETX',
      'G\u00c9T',
      '',
    ]);
    const body = r.chance(0.5) ? '' : r.bytes(r.int(200)).toString('latin1');
    const bytes = Buffer.from(
      `${method} /announce?${serialize(valid)} HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      'latin1',
    );
    return { kind: 'method', bytes, allowed: [0, 400, 404, 405, 413, 415] };
  }
  if (roll < 55) {
    const path = r.pick([
      '/announce/',
      '/ANNOUNCE',
      '//announce',
      '/announce;x',
      '/announce.php',
      '/scrape/../announce2',
      '/x/announce',
    ]);
    return { kind: 'route', bytes: getRequest(`${path}?${serialize(valid)}`), allowed: [400, 404] };
  }
  if (roll < 65) {
    const full = getRequest(`/announce?${serialize(valid)}`, r.chance(0.5) ? 'User-Agent: fuzz\r\n' : '');
    const cut = r.int(full.length - 3); // never the whole head: the request cannot complete
    return { kind: 'truncated', bytes: full.subarray(0, cut), allowed: [0, 400] };
  }
  if (roll < 70) {
    if (r.chance(0.5)) {
      const header = `X-Junk: ${'a'.repeat(17000 + r.int(20000))}\r\n`;
      return {
        kind: 'oversized-header',
        bytes: getRequest(`/announce?${serialize(valid)}`, header),
        allowed: [431],
      };
    }
    const pad = `&pad=${'b'.repeat(17000 + r.int(20000))}`;
    return {
      kind: 'oversized-url',
      bytes: getRequest(`/announce?${serialize(valid)}${pad}`),
      allowed: [414, 431],
    };
  }
  if (roll < 80) {
    const junk = r.pick([
      'Bad Header Line\r\n',
      ': no-name\r\n',
      'X-Bin: \u0000\u0001\u007f\r\n',
      'Host: second\r\n',
      'Content-Length: 99999999999999999999\r\n',
      'Content-Length: -1\r\n',
      'Transfer-Encoding: chunked\r\n\r\nzz\r\n',
      'X-Fold: a\r\n b\r\n',
      `X-Forwarded-For: ${'1.2.3.4, '.repeat(50)}5.6.7.8\r\n`,
      'Expect: 100-continue\r\n',
      'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n',
    ]);
    const target = `/announce?${serialize(defect(r, valid))}`;
    return { kind: 'headers', bytes: getRequest(target, junk), allowed: [0, 200, 400, 413, 417] };
  }
  if (roll < 90) {
    const parts: string[] = [];
    const n = r.pick([0, 1, 3, 101, 150]);
    for (let i = 0; i < n; i++) {
      const len = r.chance(0.7) ? 20 : r.int(40);
      parts.push(`info_hash=${pct(r.bytes(len))}`);
    }
    if (r.chance(0.3))
      parts.push(r.pick(['info_hash=%4', 'info_hash', 'info_hash=%zz', `x=${'%00'.repeat(500)}`]));
    return { kind: 'scrape', bytes: getRequest(`/scrape?${parts.join('&')}`), allowed: [200, 400, 431] };
  }
  if (roll < 95) {
    const path = r.pick([
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fpackage.json',
      '/index.html/../../package.json',
      '/%00',
      '/.env',
      '/web/../service.ts',
      '/dmca.html%00.ts',
      `/${r.bytes(8).toString('latin1')}`,
      '/\\..\\..\\windows\\win.ini',
    ]);
    return { kind: 'static', bytes: getRequest(path), allowed: [400, 404] };
  }
  const version = r.pick(['HTTP/9.9', 'HTTP/1.1x', 'HTTX/1.1', 'HTTP/11', 'HTTP/1.', '', 'HTTP/1.1 extra']);
  return {
    kind: 'version',
    bytes: Buffer.from(`GET /announce?${serialize(valid)} ${version}\r\nHost: t\r\n\r\n`, 'latin1'),
    allowed: [0, 400, 505],
  };
}

function announceTarget(t: number, p: number): string {
  return `/announce?${serialize(goodQuery(t, p))}`;
}

async function goodAnnounce(t: number, p: number): Promise<void> {
  const res = await rawHttp(svc.httpPort, getRequest(announceTarget(t, p)));
  assert.equal(res.status, 200, 'a good announce is answered');
  const d = bdecode(bodyOf(res.data)) as Record<string, unknown>;
  assert.equal(d['failure reason'], undefined, `good announce failed: ${String(d['failure reason'])}`);
  assert.equal(d.complete, 1);
  assert.equal(d.incomplete, PEERS - 1);
}

async function goodScrape(t: number): Promise<void> {
  const res = await rawHttp(svc.httpPort, getRequest(`/scrape?info_hash=${pct(hashes[t])}`));
  assert.equal(res.status, 200);
  const d = bdecode(bodyOf(res.data)) as { files: Map<string, unknown> | Record<string, unknown> };
  assert.ok(d.files, 'scrape has files');
}

before(async () => {
  const r = new Rand(SEED ^ 0x5eed);
  for (let t = 0; t < TORRENTS; t++) hashes.push(r.bytes(20));
  for (let p = 0; p < PEERS; p++) ids.push(r.bytes(20));
  svc = await startTestService({
    host: '127.0.0.1',
    env: { TRAKX_LIMITS_REQUESTTIMEOUT: `${REQUEST_TIMEOUT_S}s` },
    tweak: (c) => {
      c.udp.enabled = false;
    },
  });
  for (let t = 0; t < TORRENTS; t++) for (let p = 0; p < PEERS; p++) await goodAnnounce(t, p).catch(() => {});
  watch.install();
});

after(async () => {
  watch.uninstall();
  await svc?.close();
});

test(`HTTP fuzz: ${REQUESTS} malformed requests and ${SLOWLORIS} slowloris connections change nothing`, async () => {
  const baseline = dumpStore(svc.store, { lastSeen: false });
  const totals = svc.store.totals();
  assert.equal(baseline.lines.length, TORRENTS * (1 + PEERS));
  // Recheck the baseline now that every peer is in (the first announces saw fewer).
  for (let t = 0; t < TORRENTS; t++) await goodAnnounce(t, 0);

  const started = performance.now();
  const statuses = new Map<number, number>();
  const kinds = new Map<string, number>();
  let good = 0;

  // Slowloris: partial requests trickled in, never finished; each must be cut off.
  const slow = Array.from({ length: SLOWLORIS }, (_, i) => {
    // A valid head that never ends: one header line, or one header byte, at a time.
    const head = `GET ${announceTarget(i % TORRENTS, 1)} HTTP/1.1\r\nHost: t\r\n${i % 2 ? 'X-Long: ' : ''}`;
    const chunks = [Buffer.from(head)];
    for (let k = 0; k < 40; k++) chunks.push(Buffer.from(i % 2 ? 'a' : `X-A${k}: b\r\n`));
    return rawHttp(svc.httpPort, chunks, { end: false, chunkDelayMs: 100, timeoutMs: 8000 });
  });

  const perWorker = Math.ceil(REQUESTS / WORKERS);
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const r = new Rand(SEED + w);
      for (let i = 0; i < perWorker; i++) {
        const c = makeCase(r);
        const res = await rawHttp(svc.httpPort, c.bytes, { timeoutMs: 5000 });
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const detail = () =>
          `${c.kind}: ${JSON.stringify(Buffer.concat([c.bytes].flat()).toString('latin1').slice(0, 300))}`;
        assert.ok(res.closed, `the server answers or closes: ${detail()}`);
        assert.ok(res.status < 500, `no 5xx (${res.status}) for ${detail()}`);
        assert.ok(c.allowed.includes(res.status), `status ${res.status} for ${detail()}`);
        const body = bodyOf(res.data);
        assert.ok(!LEAK.test(body.toString('latin1')), `internal detail in reply to ${detail()}`);
        if (res.status === 200 && c.kind !== 'scrape') {
          const d = bdecode(body) as Record<string, unknown>;
          assert.ok(d['failure reason'] !== undefined, `a defective announce was accepted: ${detail()}`);
        }
        if (i % 40 === 39) {
          await goodAnnounce(r.int(TORRENTS), r.int(PEERS));
          await goodScrape(r.int(TORRENTS));
          good += 2;
        }
      }
    }),
  );
  const fuzzMs = performance.now() - started;

  const slowResults = await Promise.all(slow);
  for (const s of slowResults) {
    assert.ok(s.closed, 'a slowloris connection is closed by the server');
    assert.equal(s.status, 408, 'with 408 Request Timeout');
    assert.ok(s.ms < (REQUEST_TIMEOUT_S + 3) * 1000, `cut off after ${Math.round(s.ms)} ms`);
  }

  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  assert.ok(total >= 10_000, `${total} fuzz requests`);
  assert.deepEqual(watch.errors, [], 'no uncaught exception or unhandled rejection');
  assert.deepEqual(dumpStore(svc.store, { lastSeen: false }), baseline, 'the swarms are unchanged');
  assert.deepEqual(svc.store.totals(), totals);
  // And still serving afterwards.
  for (let t = 0; t < TORRENTS; t++) await goodAnnounce(t, t % PEERS);
  await goodScrape(0);
  const hb = await rawHttp(svc.httpPort, getRequest('/heartbeat'));
  assert.equal(hb.status, 200);
  console.log(
    `# http fuzz: ${total} requests (+${good} good interleaved) in ${Math.round(fuzzMs)} ms; ` +
      `kinds ${JSON.stringify(Object.fromEntries(kinds))}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
      `slowloris cut after ${Math.round(Math.max(...slowResults.map((s) => s.ms)))} ms max`,
  );
});
