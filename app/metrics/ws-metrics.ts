// The WebSocket tracker's metrics: open connections, messages by action and result, and
// its WebRTC peers (kept apart from the HTTP/UDP swarm gauges, as the peers themselves are).
// Every action × result series exists from the start, so rates have data before traffic.

import { Counter, Gauge, type Registry } from 'prom-client';

const ACTIONS = ['announce', 'answer', 'scrape', 'invalid'] as const;
const RESULTS = ['ok', 'refused', 'invalid', 'no_peer'] as const;

export class WsMetrics {
  private readonly connections: Gauge;
  private readonly messages: Counter<'action' | 'result'>;
  /** Counter children by action, then result: a message costs two lookups, no labels object. */
  private readonly children: Record<string, Record<string, Counter.Internal>> = {};
  private peerCount: () => number = () => 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.connections = new Gauge({
      name: 'trakx_ws_connections',
      help: 'Open WebSocket tracker connections.',
      registers,
    });
    this.messages = new Counter({
      name: 'trakx_ws_messages_total',
      help: 'WebSocket tracker messages by action and result.',
      labelNames: ['action', 'result'],
      registers,
    });
    for (const action of ACTIONS) {
      const byResult: Record<string, Counter.Internal> = {};
      for (const result of RESULTS) {
        // labels() alone exposes nothing; a zero increment creates the series.
        this.messages.inc({ action, result }, 0);
        byResult[result] = this.messages.labels(action, result);
      }
      this.children[action] = byResult;
    }
    const peers = () => this.peerCount();
    new Gauge({
      name: 'trakx_ws_peers',
      help: 'WebRTC peers of the WebSocket tracker (not in trakx_peers).',
      registers,
      collect() {
        this.set(peers());
      },
    });
  }

  /** Where trakx_ws_peers is read from at scrape time. */
  peersFrom(count: () => number): void {
    this.peerCount = count;
  }

  connectionsNow(open: number): void {
    this.connections.set(open);
  }

  message(action: string, result: string): void {
    this.children[action]?.[result]?.inc();
  }
}
