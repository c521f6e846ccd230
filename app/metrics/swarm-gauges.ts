// Swarm gauges, read from the store when Prometheus scrapes (collect callbacks): no
// work per request. In the `fast` build the store keeps no seeder, leecher or per-IP
// figures, so those gauges are not registered at all; their `if (!FAST)` block is
// inline on purpose, so esbuild drops it, metric names included, from that bundle.

import { Gauge, type Registry } from 'prom-client';
import { FAST } from '../runtime/fast.ts';
import type { StoreAdmin } from '../swarm/store.ts';

const V4 = { family: 'ipv4' };
const V6 = { family: 'ipv6' };

export function registerSwarmGauges(registry: Registry, store: StoreAdmin): void {
  const registers = [registry];
  new Gauge({
    name: 'trakx_torrents',
    help: 'Torrents with at least one peer.',
    registers,
    collect() {
      this.set(store.totals().torrents);
    },
  });
  new Gauge({
    name: 'trakx_torrents_count_only',
    help: 'Torrents without peers kept for their downloaded count (not in trakx_torrents; within db.maxTorrents).',
    registers,
    collect() {
      this.set(store.totals().countOnly);
    },
  });
  new Gauge({
    name: 'trakx_peers',
    help: 'Peers stored, by address family.',
    labelNames: ['family'],
    registers,
    collect() {
      const t = store.totals();
      this.set(V4, t.peers4);
      this.set(V6, t.peers6);
    },
  });
  if (!FAST) {
    new Gauge({
      name: 'trakx_seeders',
      help: 'Peers that have the whole torrent, by address family (not in the fast build).',
      labelNames: ['family'],
      registers,
      collect() {
        const t = store.totals();
        this.set(V4, t.seeders4);
        this.set(V6, t.seeders6);
      },
    });
    new Gauge({
      name: 'trakx_leechers',
      help: 'Peers still downloading, by address family (not in the fast build).',
      labelNames: ['family'],
      registers,
      collect() {
        const t = store.totals();
        this.set(V4, t.leechers4);
        this.set(V6, t.leechers6);
      },
    });
    new Gauge({
      name: 'trakx_unique_ips',
      help: 'Distinct peer IP addresses, by address family (not in the fast build).',
      labelNames: ['family'],
      registers,
      collect() {
        const u = store.uniqueAddresses();
        this.set(V4, u.v4);
        this.set(V6, u.v6);
      },
    });
  }
}
