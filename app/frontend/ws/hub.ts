// The WebRTC swarms' logic apart from any socket: announces (offers to random peers),
// answers routed by to_peer_id, stops, scrapes and closed connections. A connection is
// anything that can be sent a text: a WsConn in the thread that holds it, or, with worker
// threads, the main thread's stand-in for a connection of some worker (workers/ws-hub.ts).

import type { WsAction, WsResult } from './options.ts';
import type { WsAnnounce, WsScrape } from './parse.ts';
import {
  announceReply,
  answerMessage,
  failureReply,
  offerMessage,
  quote,
  scrapeEntry,
  scrapeReply,
} from './reply.ts';
import type { PeerOwner, RtcPeer } from './swarms.ts';
import { IN_USE, RtcSwarms } from './swarms.ts';

/** A connection as the hub sees it: the peers it owns and a way to send it a text. */
export interface RtcConn extends PeerOwner {
  /** Unique among the connections of one thread. */
  readonly id: number;
  deliver(text: string): void;
}

/** What a WsTracker hands its checked requests to: a local RtcHub or a worker's relay. */
export interface WsHub {
  /** A checked announce (offers, answer or stop); the outcome is told to `done`. */
  announce(c: RtcConn, req: WsAnnounce, done: Done): void;
  scrape(c: RtcConn, req: WsScrape, done: Done): void;
  /** `c` closed: its peers leave their swarms. */
  drop(c: RtcConn): void;
}

/** Told how a message ended (the metrics count it where the connection is). */
export type Done = (action: WsAction, result: WsResult) => void;

export interface HubOptions {
  maxScrapeHashes: number;
  maxTorrentsPerConnection: number;
  maxSwarms: number;
  maxPeersPerSwarm: number;
  peerExpiryMs: number;
  sweepMs: number;
  interval(): number;
  numwant(requested: number): number;
}

export class RtcHub implements WsHub {
  readonly swarms: RtcSwarms;
  private readonly picked: RtcPeer[] = [];
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly opts: HubOptions) {
    this.swarms = new RtcSwarms({
      maxSwarms: opts.maxSwarms,
      maxPeersPerSwarm: opts.maxPeersPerSwarm,
      maxTorrentsPerOwner: opts.maxTorrentsPerConnection,
    });
    this.sweepTimer = setInterval(() => this.swarms.sweep(Date.now()), Math.max(1, opts.sweepMs));
    this.sweepTimer.unref();
  }

  close(): void {
    clearInterval(this.sweepTimer);
  }

  drop(c: RtcConn): void {
    this.swarms.removeOwner(c);
  }

  announce(c: RtcConn, req: WsAnnounce, done: Done): void {
    if (req.answer !== null) {
      this.answer(c, req, done);
      return;
    }
    const swarms = this.swarms;
    if (req.event === 'stopped') {
      const peer = swarms.find(req.infoHash, req.peerId);
      if (peer !== undefined && peer.owner === c) swarms.remove(peer);
      const s = swarms.get(req.infoHash);
      const seeders = s === undefined ? 0 : s.seeders;
      const leechers = s === undefined ? 0 : s.leechers;
      c.deliver(announceReply(quote(req.infoHash), this.opts.interval(), seeders, leechers));
      done('announce', 'ok');
      return;
    }
    const peer = swarms.announce(
      req.infoHash,
      req.peerId,
      c,
      req.left === 0,
      req.event === 'completed',
      Date.now() + this.opts.peerExpiryMs,
    );
    if (typeof peer === 'string') {
      c.deliver(failureReply(peer, 'announce', req.infoHash));
      done('announce', 'refused');
      return;
    }
    const s = peer.swarm;
    c.deliver(announceReply(s.infoHashJson, this.opts.interval(), s.seeders, s.leechers));
    const offers = req.offers;
    if (offers.length > 0) {
      const picked = this.picked;
      const n = swarms.pick(peer, Math.min(offers.length, this.opts.numwant(req.numwant)), picked);
      for (let i = 0; i < n; i++) {
        const o = offers[i];
        (picked[i].owner as RtcConn).deliver(
          offerMessage(o.offer, o.offer_id, peer.peerIdJson, s.infoHashJson),
        );
      }
      picked.length = 0;
    }
    done('announce', 'ok');
  }

  /** Route an answer to the peer whose offer it answers; the answerer gets no reply. */
  private answer(c: RtcConn, req: WsAnnounce, done: Done): void {
    const swarms = this.swarms;
    const self = swarms.find(req.infoHash, req.peerId);
    if (self !== undefined && self.owner !== c) {
      c.deliver(failureReply(IN_USE, 'announce', req.infoHash));
      done('answer', 'refused');
      return;
    }
    const to = swarms.find(req.infoHash, req.toPeerId);
    if (to === undefined) {
      done('answer', 'no_peer');
      return;
    }
    const from = self === undefined ? quote(req.peerId) : self.peerIdJson;
    (to.owner as RtcConn).deliver(answerMessage(req.answer!, req.offerId, from, to.swarm.infoHashJson));
    done('answer', 'ok');
  }

  scrape(c: RtcConn, req: WsScrape, done: Done): void {
    let entries = '';
    const add = (json: string, seeders: number, leechers: number, downloaded: number) => {
      entries += entries === '' ? '' : ',';
      entries += scrapeEntry(json, seeders, leechers, downloaded);
    };
    if (req.infoHashes === null) {
      let n = 0;
      for (const s of this.swarms.swarms.values()) {
        if (n++ >= this.opts.maxScrapeHashes) break;
        add(s.infoHashJson, s.seeders, s.leechers, s.downloaded);
      }
    } else {
      for (const h of req.infoHashes) {
        const s = this.swarms.get(h);
        if (s === undefined) add(quote(h), 0, 0, 0);
        else add(s.infoHashJson, s.seeders, s.leechers, s.downloaded);
      }
    }
    c.deliver(scrapeReply(entries, this.opts.interval()));
    done('scrape', 'ok');
  }
}
