// HTTP announce load: wrk (Debian) with a Lua script cycling through precomputed
// announce URLs of the pool's peers, keep-alive or `Connection: close`; autocannon (npm)
// in its own process when wrk is missing. After each run a sample of the same URLs is
// fetched and decoded, so the figures only count if the replies are real announces.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { bdict } from '../test/helpers/bdecode.ts';
import { isSeeder, makeInfohashes, type PoolSpec, portOf, torrentOf, writePeerId } from './pool.ts';
import { cpuMs } from './proc.ts';

export interface HttpLoadResult {
  tool: 'wrk' | 'autocannon';
  requests: number;
  seconds: number;
  rps: number;
  /** Connect/write/timeout errors and non-2xx replies. */
  errors: number;
  /**
   * Connections the server closed without being asked to (wrk's read errors): a server
   * without keep-alive, like opentracker, closes after every reply.
   */
  closed: number;
  p50Ms: number;
  p99Ms: number;
  trackerCpuPct: number;
  cpuMsPer1k: number;
}

export interface HttpValidation {
  sampled: number;
  valid: number;
  withPeers: number;
  firstProblem: string;
}

function pct(b: Buffer): string {
  let s = '';
  for (const byte of b) s += `%${byte.toString(16).padStart(2, '0')}`;
  return s;
}

/** Writes one announce path per peer (up to `limit`) and returns the file. */
export function writeAnnounceUrls(dir: string, pool: PoolSpec, limit: number): string {
  const hashes = makeInfohashes(pool.torrents);
  const id = Buffer.alloc(20);
  const n = Math.min(pool.peers, limit);
  const lines: string[] = new Array(n);
  for (let p = 0; p < n; p++) {
    const t = torrentOf(pool, p);
    writePeerId(id, 0, p);
    lines[p] =
      `/announce?info_hash=${pct(hashes.subarray(t * 20, t * 20 + 20))}&peer_id=${pct(id)}` +
      `&port=${portOf(pool, p)}&uploaded=0&downloaded=0&left=${isSeeder(pool, p) ? 0 : 1000000}` +
      '&compact=1&numwant=50';
  }
  const file = join(dir, `urls-${pool.torrents}-${pool.peers}-${n}.txt`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const WRK_SCRIPT = `-- Cycles through precomputed announce requests (one path per line of the file given
-- as the first script argument).
local reqs = {}
local n = 0
local i = 0

function init(args)
  local conn = ""
  if args[3] == "close" then conn = "Connection: close\\r\\n" end
  for line in io.lines(args[1]) do
    n = n + 1
    reqs[n] = "GET " .. line .. " HTTP/1.1\\r\\nHost: " .. args[2] .. "\\r\\n" .. conn .. "\\r\\n"
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"closed":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.write + e.status + e.timeout, e.read,
    latency:percentile(50), latency:percentile(99)))
end
`;

export interface HttpRunOptions {
  wrk: boolean;
  pin: string[];
  port: number;
  urlFile: string;
  workDir: string;
  close: boolean;
  connections: number;
  seconds: number;
  /**
   * The same load first, for this long, not measured: JIT compilation of the server's
   * request path (more code for a tracker than for a bare responder) stays out of the
   * figures, as the UDP phases' warm-up keeps it out of theirs.
   */
  warmupSeconds: number;
  trackerPid: number;
  autocannonScript: string;
}

type ToolFigures = {
  requests: number;
  seconds: number;
  errors: number;
  closed: number;
  p50Ms: number;
  p99Ms: number;
};

export async function runHttpLoad(o: HttpRunOptions): Promise<HttpLoadResult> {
  if (o.warmupSeconds > 0) await drive(o, o.warmupSeconds);
  const c0 = cpuMs(o.trackerPid);
  const t0 = Date.now();
  const r = await drive(o, o.seconds);
  const wall = (Date.now() - t0) / 1000;
  const cpu = cpuMs(o.trackerPid) - c0;
  return {
    tool: o.wrk ? 'wrk' : 'autocannon',
    ...r,
    rps: r.requests / r.seconds,
    // The tool's own start-up and shut-down fall outside its measured seconds but inside
    // this CPU window; both are short next to the run.
    trackerCpuPct: cpu / 10 / wall,
    cpuMsPer1k: r.requests > 0 ? (cpu * 1000) / r.requests : Number.NaN,
  };
}

/** One run of the load tool for `seconds`; its own figures. */
async function drive(o: HttpRunOptions, seconds: number): Promise<ToolFigures> {
  if (o.wrk) {
    const script = join(o.workDir, 'announce.lua');
    writeFileSync(script, WRK_SCRIPT);
    const out = await capture([
      ...o.pin,
      'wrk',
      '-t1',
      `-c${o.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '2s',
      '-s',
      script,
      `http://127.0.0.1:${o.port}`,
      '--',
      o.urlFile,
      `127.0.0.1:${o.port}`,
      o.close ? 'close' : 'keep-alive',
    ]);
    const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no summary: ${out.slice(-400)}`);
    const j = JSON.parse(line) as {
      requests: number;
      duration_us: number;
      errors: number;
      closed: number;
      p50_us: number;
      p99_us: number;
    };
    return {
      requests: j.requests,
      seconds: j.duration_us / 1e6,
      errors: j.errors,
      closed: j.closed,
      p50Ms: j.p50_us / 1000,
      p99Ms: j.p99_us / 1000,
    };
  }
  // Without wrk: autocannon, run as its own process.
  const out = await capture([
    ...o.pin,
    process.execPath,
    o.autocannonScript,
    JSON.stringify({
      port: o.port,
      urlFile: o.urlFile,
      close: o.close,
      connections: o.connections,
      seconds,
    }),
  ]);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`autocannon printed no summary: ${out.slice(-400)}`);
  return JSON.parse(line) as ToolFigures;
}

function capture(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${argv.join(' ').slice(0, 120)} exited ${code}: ${(err || out).slice(-400)}`));
    });
  });
}

/** Fetches `sample` of the URLs one by one and checks each is a compact announce reply. */
export async function validateHttp(port: number, urlFile: string, sample: number): Promise<HttpValidation> {
  const { readFileSync } = await import('node:fs');
  const urls = readFileSync(urlFile, 'utf8').trim().split('\n');
  const v: HttpValidation = { sampled: 0, valid: 0, withPeers: 0, firstProblem: '' };
  for (let k = 0; k < sample; k++) {
    const path = urls[Math.floor((k * urls.length) / sample)];
    v.sampled++;
    try {
      const { status, body } = await get(port, path);
      if (status !== 200) throw new Error(`status ${status}`);
      const d = bdict(body);
      if ('failure reason' in d) throw new Error(`failure reason: ${String(d['failure reason'])}`);
      const peers = d.peers;
      if (typeof d.interval !== 'number' || d.interval <= 0) throw new Error('no interval');
      if (!Buffer.isBuffer(peers) || peers.length % 6 !== 0) throw new Error('no compact peers');
      v.valid++;
      if (peers.length > 0) v.withPeers++;
    } catch (err) {
      if (!v.firstProblem) v.firstProblem = err instanceof Error ? err.message : String(err);
    }
  }
  return v;
}

function get(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}
