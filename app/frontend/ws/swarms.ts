// WebRTC peers, apart from the HTTP/UDP store: they have no address, only the WebSocket
// connection that announced them, so each is keyed by peer_id within its swarm and belongs
// to that connection. Memory per peer is one RtcPeer (plus its Map slot); per connection,
// the array of the peers it owns (usually one per torrent the page has open).

import { quote } from './reply.ts';

/** What owns peers: the connection; the store keeps its `peers` list in step. */
export interface PeerOwner {
  peers: RtcPeer[];
}

/** Refusal of a peer_id another connection holds. */
export const IN_USE = 'peer_id in use by another connection';

export class RtcPeer {
  /** Index in the swarm's `list` (swap-removal keeps it current). */
  index = -1;
  /** Whether this peer's completion has been counted in `downloaded`. */
  counted = false;
  constructor(
    readonly swarm: RtcSwarm,
    readonly peerId: string,
    /** peer_id as a JSON literal, quoted once for every message that names it. */
    readonly peerIdJson: string,
    readonly owner: PeerOwner,
    public seeder: boolean,
    public expires: number,
  ) {}
}

export class RtcSwarm {
  readonly infoHashJson: string;
  readonly byId = new Map<string, RtcPeer>();
  /** The same peers in an array, for random picks without copying. */
  readonly list: RtcPeer[] = [];
  seeders = 0;
  downloaded = 0;
  constructor(readonly infoHash: string) {
    this.infoHashJson = quote(infoHash);
  }
  get leechers(): number {
    return this.list.length - this.seeders;
  }
}

/** The peer, or why it was refused (sent as the failure reason). */
export type AnnounceOutcome = RtcPeer | string;

export interface RtcLimits {
  /** Most swarms kept; an announce creating one more is refused. */
  maxSwarms: number;
  /** Most peers in one swarm; a new one beyond it is refused. */
  maxPeersPerSwarm: number;
  /** Most torrents one connection may announce in. */
  maxTorrentsPerOwner: number;
}

export class RtcSwarms {
  readonly swarms = new Map<string, RtcSwarm>();
  private peerCount = 0;

  constructor(private readonly limits: RtcLimits) {}

  get peers(): number {
    return this.peerCount;
  }

  get(infoHash: string): RtcSwarm | undefined {
    return this.swarms.get(infoHash);
  }

  /**
   * Add or refresh `peerId` in `infoHash`'s swarm for `owner`. A peer_id held by another
   * connection is refused: nobody takes over another browser's entry (and its answers).
   * `stopped` is not handled here (see remove).
   */
  announce(
    infoHash: string,
    peerId: string,
    owner: PeerOwner,
    seeder: boolean,
    completed: boolean,
    expires: number,
  ): AnnounceOutcome {
    let swarm = this.swarms.get(infoHash);
    let peer = swarm?.byId.get(peerId);
    if (peer !== undefined) {
      if (peer.owner !== owner) return IN_USE;
    } else {
      if (owner.peers.length >= this.limits.maxTorrentsPerOwner) return 'too many torrents on one connection';
      if (swarm === undefined) {
        if (this.swarms.size >= this.limits.maxSwarms) return 'too many torrents tracked';
        swarm = new RtcSwarm(infoHash);
        this.swarms.set(infoHash, swarm);
      } else if (swarm.list.length >= this.limits.maxPeersPerSwarm) return 'swarm is full';
      peer = new RtcPeer(swarm, peerId, quote(peerId), owner, false, expires);
      peer.index = swarm.list.length;
      swarm.list.push(peer);
      swarm.byId.set(peerId, peer);
      owner.peers.push(peer);
      this.peerCount++;
    }
    const s = peer.swarm;
    peer.expires = expires;
    if ((seeder || completed) && !peer.seeder) {
      peer.seeder = true;
      s.seeders++;
    }
    if (completed && !peer.counted) {
      peer.counted = true;
      s.downloaded++;
    }
    return peer;
  }

  /** The peer `peerId` of `infoHash`'s swarm, if there. */
  find(infoHash: string, peerId: string): RtcPeer | undefined {
    return this.swarms.get(infoHash)?.byId.get(peerId);
  }

  /** Take `peer` out of its swarm and its owner's list; an emptied swarm goes too. */
  remove(peer: RtcPeer): void {
    const s = peer.swarm;
    if (s.byId.get(peer.peerId) !== peer) return;
    s.byId.delete(peer.peerId);
    const last = s.list.pop()!;
    if (last !== peer) {
      s.list[peer.index] = last;
      last.index = peer.index;
    }
    if (peer.seeder) s.seeders--;
    const owned = peer.owner.peers;
    const i = owned.indexOf(peer);
    if (i >= 0) {
      owned[i] = owned[owned.length - 1];
      owned.pop();
    }
    this.peerCount--;
    if (s.list.length === 0) this.swarms.delete(s.infoHash);
  }

  /** Remove every peer `owner` holds (its connection closed). */
  removeOwner(owner: PeerOwner): void {
    const owned = owner.peers;
    while (owned.length > 0) this.remove(owned[owned.length - 1]);
  }

  /**
   * Up to `n` random peers of `self`'s swarm into `out` (cleared first), never `self`; a
   * seeder gets leechers only. A partial Fisher–Yates over the swarm's list (its order is
   * of no meaning), so nothing is allocated and each pick costs O(1) beyond skipped peers.
   */
  pick(self: RtcPeer, n: number, out: RtcPeer[]): number {
    out.length = 0;
    const list = self.swarm.list;
    const len = list.length;
    for (let i = 0; i < len && out.length < n; i++) {
      const j = i + Math.floor(Math.random() * (len - i));
      const p = list[j];
      if (j !== i) {
        const q = list[i];
        list[i] = p;
        p.index = i;
        list[j] = q;
        q.index = j;
      }
      if (p === self || (self.seeder && p.seeder)) continue;
      out.push(p);
    }
    return out.length;
  }

  /** Remove peers whose `expires` is before `now`; returns how many went. */
  sweep(now: number): number {
    let gone = 0;
    for (const s of this.swarms.values()) {
      const list = s.list;
      for (let i = list.length - 1; i >= 0; i--) {
        // remove() may empty and delete the swarm; the loop over its list still ends
        if (i < list.length && list[i].expires < now) {
          this.remove(list[i]);
          gone++;
        }
      }
    }
    return gone;
  }
}
