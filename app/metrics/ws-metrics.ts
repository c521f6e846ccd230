// The WebSocket tracker's metrics: open connections, messages by action and result, and
// its WebRTC peers (kept apart from the HTTP/UDP swarm gauges, as the peers themselves are).
// The figures live in RequestSlots (written by the WebSocket frontend) and are read here
// at scrape time. Every action × result series exists from the start, so rates have data
// before traffic.

import { Counter, Gauge, type Registry } from 'prom-client';
import { type RequestSlots, WS_ACTIONS, WS_RESULTS } from './request-slots.ts';

export function registerWsMetrics(registry: Registry, read: () => RequestSlots): void {
  const registers = [registry];
  new Gauge({
    name: 'trakx_ws_connections',
    help: 'Open WebSocket tracker connections.',
    registers,
    collect() {
      this.set(read().wsConnections);
    },
  });
  new Counter({
    name: 'trakx_ws_messages_total',
    help: 'WebSocket tracker messages by action and result.',
    labelNames: ['action', 'result'],
    registers,
    collect() {
      const messages = read().wsMessages;
      this.reset();
      for (let a = 0; a < WS_ACTIONS.length; a++)
        for (let r = 0; r < WS_RESULTS.length; r++)
          this.inc({ action: WS_ACTIONS[a], result: WS_RESULTS[r] }, messages[a * WS_RESULTS.length + r]);
    },
  });
  new Gauge({
    name: 'trakx_ws_peers',
    help: 'WebRTC peers of the WebSocket tracker (not in trakx_peers).',
    registers,
    collect() {
      this.set(read().wsPeers);
    },
  });
}
