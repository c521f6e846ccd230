// Store request operations with their fields spelled out, for tests: one reused
// PeerAnnounce filled from named options.

import type { Family } from '../../app/bittorrent/family.ts';
import type { Later } from '../../app/bittorrent/later.ts';
import { NO_PEERS, type PeerSink, type SwarmCounts } from '../../app/bittorrent/peer-sink.ts';
import { type LocalStore, PeerAnnounce, type PutResult, type SwarmStore } from '../../app/swarm/store.ts';

export interface AnnounceOptions {
  hashOff?: number;
  /** 20-byte peer id (default: 20 bytes of 0x2d). */
  id?: Uint8Array;
  idOff?: number;
  seeder?: boolean;
  completed?: boolean;
  now?: number;
  numwant?: number;
  sink?: PeerSink;
  counts?: SwarmCounts;
}

const DEFAULT_ID = new Uint8Array(20).fill(0x2d);

/** A fresh PeerAnnounce per call: an async store may be mid-call with the last one. */
export function peerAnnounce(
  hash: Uint8Array,
  family: Family,
  addr: Uint8Array,
  port: number,
  o: AnnounceOptions = {},
): PeerAnnounce {
  const op = new PeerAnnounce();
  op.hash = hash;
  op.hashOff = o.hashOff ?? 0;
  op.family = family;
  op.addr = addr;
  op.port = port;
  op.peerId = o.id ?? DEFAULT_ID;
  op.idOff = o.idOff ?? 0;
  op.seeder = o.seeder ?? false;
  op.completed = o.completed ?? false;
  op.now = o.now ?? 1000;
  op.numwant = o.numwant ?? 0;
  return op;
}

export function announce(
  store: SwarmStore,
  hash: Uint8Array,
  family: Family,
  addr: Uint8Array,
  port: number,
  o: AnnounceOptions = {},
): Later<PutResult> {
  const op = peerAnnounce(hash, family, addr, port, o);
  return store.announce(op, o.counts ?? { seeders: 0, leechers: 0, downloaded: 0 }, o.sink ?? NO_PEERS);
}

/** announce() on a store that answers at once. */
export function put(
  store: LocalStore,
  hash: Uint8Array,
  family: Family,
  addr: Uint8Array,
  port: number,
  o: AnnounceOptions = {},
): PutResult {
  return announce(store, hash, family, addr, port, o) as PutResult;
}

export function remove(
  store: SwarmStore,
  hash: Uint8Array,
  family: Family,
  addr: Uint8Array,
  port: number,
  hashOff = 0,
): Later<boolean> {
  const op = peerAnnounce(hash, family, addr, port, { hashOff });
  return store.remove(op, { seeders: 0, leechers: 0, downloaded: 0 });
}
