// Run inside a fresh network namespace (see chromium.test.ts): the tracker service as
// `trakx run` starts it, a node:http server with the two pages (told the tracker's
// ws://…/announce in their query), then two headless Chromium processes, one seeding and
// one downloading. Prints one JSON line: the downloader's result (or null), the pages' logs
// and the service's WebSocket message counts from /metrics. Bounded: gives up after
// E2E_TIMEOUT_MS.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService } from '../../helpers/service.ts';

const here = import.meta.dirname;
const webtorrentJs = readFileSync(process.env.WEBTORRENT_JS!);
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 90_000);
const pages: Record<string, Buffer> = {
  '/seed.html': readFileSync(join(here, 'seed.html')),
  '/fetch.html': readFileSync(join(here, 'fetch.html')),
};

const logs: string[] = [];
const counts: Record<string, number> = {};
let magnet = '';
let finish: (result: unknown) => void = () => {};
const result = new Promise<unknown>((r) => {
  finish = r;
});

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    const url = (req.url ?? '').split('?')[0]!;
    if (req.method === 'POST' && url === '/magnet') magnet = body;
    else if (req.method === 'POST' && url === '/log') logs.push(body.slice(0, 300));
    else if (req.method === 'POST' && url === '/result') finish(JSON.parse(body));
    else if (url === '/magnet') return void res.end(magnet);
    else if (url === '/webtorrent.min.js') {
      res.setHeader('content-type', 'text/javascript');
      return void res.end(webtorrentJs);
    } else if (pages[url]) {
      res.setHeader('content-type', 'text/html');
      return void res.end(pages[url]);
    } else res.statusCode = 404;
    res.end();
  });
});
const service = await startTestService({ host: '127.0.0.1' });
const announce = `ws://127.0.0.1:${service.httpPort}/announce`;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const dirs: string[] = [];
function chromium(page: string): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), 'trakx-chromium-'));
  dirs.push(dir);
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    `--user-data-dir=${dir}`,
    `${base}${page}?tracker=${encodeURIComponent(announce)}`,
  ];
  // Its own process group, so the browser's helper processes end with it.
  const child = spawn(process.env.CHROMIUM ?? 'chromium', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  child.stderr!.on('data', (d: Buffer) => {
    const line = d.toString('utf8').trim();
    if (/ERROR|FATAL/.test(line)) logs.push(`${page} stderr: ${line.slice(0, 300)}`);
  });
  return child;
}

const browsers = [chromium('/seed.html'), chromium('/fetch.html')];
const timer = setTimeout(() => finish(null), timeoutMs);
const got = await result;
clearTimeout(timer);
const exited = browsers.map((b) => (b.exitCode === null && b.signalCode === null ? once(b, 'exit') : null));
for (const b of browsers) {
  try {
    process.kill(-b.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}
await Promise.all(exited);
for (const d of dirs) rmSync(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
const metrics = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
for (const m of metrics.matchAll(/^trakx_ws_messages_total\{([^}]*)\} (\d+)/gm)) {
  const label = (name: string) => new RegExp(`${name}="(\\w+)"`).exec(m[1]!)?.[1];
  counts[`${label('action')}:${label('result')}`] = Number(m[2]);
}
await service.close();
server.closeAllConnections();
server.close();
process.stdout.write(`${JSON.stringify({ result: got, logs, counts })}\n`);
