// One worker thread: attaches the shared store, builds its own Tracker (lists, rate
// limit over the shared table, hooks) and starts the configured frontends on the
// configured ports with reusePort, next to the other workers' listeners. It reports its
// ports, reloads its lists when the main thread says so, and asks the main thread for
// /metrics and /stats (whose registry sums every worker). Its WebSocket connections
// meet the other workers' through the main thread's WebRTC hub (ws-relay.ts).

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { NULL_OBSERVER } from '../bittorrent/observer.ts';
import type { Frontend } from '../frontend/frontend.ts';
import { configuredFrontends } from '../frontend/frontends.ts';
import { HttpServers } from '../frontend/http-servers.ts';
import { createLogger } from '../logger.ts';
import type { MetricsEndpoint } from '../metrics/metrics-endpoint.ts';
import { RequestSlots } from '../metrics/request-slots.ts';
import { CoarseClock } from '../runtime/clock.ts';
import { attachSharedStore } from '../swarm/shared/shared-store.ts';
import { Tracker } from '../tracker/tracker.ts';
import { openLists, rateLimiter, reloadLists } from '../upkeep.ts';
import type { FromWorker, ToWorker, WorkerData } from './messages.ts';
import { WsRelay } from './ws-relay.ts';

/** How often the lock's totals are copied into the shared slots. */
const LOCK_EVERY_MS = 1000;

export function runWorker(): void {
  const port = parentPort;
  if (port === null) throw new Error('runWorker runs in a worker thread');
  const data = workerData as WorkerData;
  const post = (msg: FromWorker) => port.postMessage(msg);
  serve(data, port, post).catch((err: NodeJS.ErrnoException) => {
    // Start-up failed (a port taken, say): the main thread reports it and stops.
    post({ type: 'failed', message: err?.message ?? String(err), code: err?.code });
    process.exit(1);
  });
}

async function serve(data: WorkerData, port: MessagePort, post: (msg: FromWorker) => void): Promise<void> {
  const { config, index } = data;
  const logger = createLogger(config.loglevel).child({ worker: index });
  const lists = openLists(config, logger);
  const store = attachSharedStore(data.store, data.owner);
  const slots = data.slots === null ? null : new RequestSlots(config.metrics.histogram, data.slots);
  const clock = new CoarseClock();
  const tracker = new Tracker(store, {
    now: clock.now,
    announce: config.announce,
    numwant: config.numwant,
    deny: lists.deny,
    allow: lists.allow,
    rate: rateLimiter(config.limits, data.rate ?? undefined),
    limits: slots ?? undefined,
  });
  const asked = new Map<number, (text: string) => void>();
  let nextId = 0;
  const ask = (what: 'prometheus' | 'stats') =>
    new Promise<string>((resolve) => {
      const id = nextId++;
      asked.set(id, resolve);
      post({ type: 'metrics', id, what });
    });
  const endpoint: MetricsEndpoint = {
    contentType: Registry.PROMETHEUS_CONTENT_TYPE,
    prometheus: () => ask('prometheus'),
    stats: async () => JSON.parse(await ask('stats')) as Record<string, unknown>,
  };
  const frontends: Frontend[] = configuredFrontends(config);
  const close = async () => {
    for (const f of [...frontends].reverse()) await f.close();
    clock.stop();
    post({ type: 'closed' });
  };
  const wsHub = new WsRelay(post);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'wsSend') wsHub.deliver(msg.conn, msg.text);
    else if (msg.type === 'wsDone') wsHub.counted(msg.action, msg.result);
    else if (msg.type === 'reloadLists') {
      reloadLists(lists);
      post({ type: 'listsReloaded', id: msg.id });
    } else if (msg.type === 'metrics') {
      asked.get(msg.id)?.(msg.text);
      asked.delete(msg.id);
    } else if (msg.type === 'close') {
      close().catch((err) => logger.error({ err }, 'worker close failed'));
    }
  });
  const context = {
    tracker,
    config,
    logger,
    observer: slots ?? NULL_OBSERVER,
    metrics: config.metrics.enabled ? endpoint : undefined,
    ws: slots ?? undefined,
    reusePort: true,
    httpServers: new HttpServers(),
    wsHub,
  };
  for (const frontend of frontends) await frontend.start(context);
  if (slots !== null) setInterval(() => slots.lockFrom(store.lockStats()), LOCK_EVERY_MS).unref();
  const portOf = (name: string): number => frontends.find((f) => f.name === name)?.port ?? 0;
  post({ type: 'ready', http: portOf('http'), udp: portOf('udp') });
}
