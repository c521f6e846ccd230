// `trakx status [--format text|json]`: the pid file, the process and the heartbeats.
// Exit 0 only when the tracker is running: its process is alive and every enabled
// listener answers its heartbeat.

import type { Config } from '../config/types.ts';
import { processAlive } from '../process-alive.ts';
import { parseFlags, UsageError } from './args.ts';
import type { CommandContext } from './context.ts';
import { type Check, httpHeartbeat, udpHeartbeat, type WorkersCheck, workersCheck } from './health.ts';
import { looksLikeTrakx, readPidFile } from './pidfile.ts';

export interface StatusReport {
  running: boolean;
  pid: number | null;
  pidFile: { path: string; state: 'ok' | 'missing' | 'invalid' };
  process: 'alive' | 'dead' | 'not-trakx' | 'unknown';
  heartbeat: { http: Check; udp: Check };
  /** Why the tracker says it is degraded (its shared store does not answer), or null. */
  degraded: string | null;
  /** Worker threads alive of those configured, as the main thread reports them. */
  workers: WorkersCheck;
}

/** `timeoutMs` bounds each heartbeat (a UDP probe of a silent port waits all of it). */
export async function inspect(config: Config, timeoutMs = 1000): Promise<StatusReport> {
  const file = readPidFile(config.path.pid);
  const pid = file.kind === 'ok' ? file.pid : null;
  let proc: StatusReport['process'] = 'unknown';
  if (pid !== null) proc = !processAlive(pid) ? 'dead' : looksLikeTrakx(pid) ? 'alive' : 'not-trakx';
  const [probe, udp, workers] = await Promise.all([
    httpHeartbeat(config, timeoutMs),
    udpHeartbeat(config, timeoutMs),
    workersCheck(config, timeoutMs),
  ]);
  const http = probe.check;
  // A tracker with both listeners off has nothing to answer: its process is all there is.
  // A degraded one answers: it is running, and says why its requests fail.
  const answering = http !== 'fail' && udp !== 'fail';
  const allWorkers = workers === 'off' || (workers !== 'fail' && workers.live === workers.configured);
  return {
    running: proc === 'alive' && answering && allWorkers,
    pid,
    pidFile: { path: config.path.pid, state: file.kind },
    process: proc,
    heartbeat: { http, udp },
    degraded: http === 'degraded' ? probe.why : null,
    workers,
  };
}

const PROCESS_TEXT: Record<StatusReport['process'], string> = {
  alive: 'alive',
  dead: 'not running (stale pid file)',
  'not-trakx': 'not trakx (the pid belongs to another program: stale pid file)',
  unknown: 'unknown (no valid pid file)',
};

export function formatStatus(r: StatusReport, config: Config): string {
  const mark = (ok: boolean) => (ok ? '[ok]  ' : '[--]  ');
  const hb = (c: Check, where: string) => (c === 'off' ? 'off (disabled)' : `${c} (${where})`);
  return [
    `${mark(r.pidFile.state === 'ok')}pid file: ${r.pidFile.state} (${r.pidFile.path}${r.pid !== null ? `: ${r.pid}` : ''})`,
    `${mark(r.process === 'alive')}process:  ${PROCESS_TEXT[r.process]}`,
    `${mark(r.heartbeat.http !== 'fail' && r.heartbeat.http !== 'degraded')}http:     ${hb(r.heartbeat.http, `port ${config.http.port} /heartbeat`)}`,
    `${mark(r.heartbeat.udp !== 'fail')}udp:      ${hb(r.heartbeat.udp, `port ${config.udp.port}`)}`,
    `${mark(r.workers === 'off' || (r.workers !== 'fail' && r.workers.live === r.workers.configured))}workers:  ${workersText(r.workers)}`,
    r.running
      ? r.degraded !== null
        ? `trakx is running, degraded: ${r.degraded}`
        : 'trakx is running'
      : 'trakx is not running',
    '',
  ].join('\n');
}

function workersText(w: WorkersCheck): string {
  if (w === 'off') return 'unknown (metrics off)';
  if (w === 'fail') return 'unknown (no answer from /stats)';
  return `${w.live} of ${w.configured} alive`;
}

export async function statusCommand(ctx: CommandContext): Promise<number> {
  const { values } = parseFlags(ctx.args, { format: { type: 'string', default: 'text' } });
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format must be text or json, got ${values.format}`);
  const config = ctx.config();
  const report = await inspect(config);
  ctx.out(values.format === 'json' ? `${JSON.stringify(report)}\n` : formatStatus(report, config));
  return report.running ? 0 : 1;
}
