// Reads the figures the workers scenario needs from a running trakx's /metrics: its
// requests per worker thread and the shared store lock's totals. A figure the target does
// not expose (the previous release has neither) reads as NaN.

import http from 'node:http';

export interface TrakxFigures {
  /** trakx_worker_requests_total by worker index. */
  workerRequests: number[];
  lockAcquires: number;
  lockContended: number;
  lockWaitSeconds: number;
  lockHeldSeconds: number;
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('/metrics timed out')));
  });
}

/** The value of an unlabelled sample, or NaN. */
function sample(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

export async function scrapeTrakx(port: number): Promise<TrakxFigures> {
  const text = await get(port, '/metrics');
  const workerRequests: number[] = [];
  for (const m of text.matchAll(/^trakx_worker_requests_total\{worker="(\d+)"\} (\S+)$/gm))
    workerRequests[Number(m[1])] = Number(m[2]);
  return {
    workerRequests,
    lockAcquires: sample(text, 'trakx_store_lock_acquires_total'),
    lockContended: sample(text, 'trakx_store_lock_contended_total'),
    lockWaitSeconds: sample(text, 'trakx_store_lock_wait_seconds_total'),
    lockHeldSeconds: sample(text, 'trakx_store_lock_held_seconds_total'),
  };
}

/** Largest distance of any worker's share from the mean, in % of the mean (NaN below 2 workers). */
export function spreadPct(before: number[], after: number[]): number {
  const d = after.map((x, i) => x - (before[i] ?? 0));
  if (d.length < 2) return Number.NaN;
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  if (!(mean > 0)) return Number.NaN;
  return (100 * Math.max(...d.map((x) => Math.abs(x - mean)))) / mean;
}
