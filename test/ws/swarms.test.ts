// The WebRTC swarm store: peers keyed by peer_id per connection, counts, completions,
// removal (stopped, disconnect, expiry), limits and random picks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PeerOwner, RtcPeer } from '../../app/frontend/ws/swarms.ts';
import { IN_USE, RtcSwarms } from '../../app/frontend/ws/swarms.ts';

const IH = 'i'.repeat(20);
const IH2 = 'j'.repeat(20);
const limits = { maxSwarms: 3, maxPeersPerSwarm: 50, maxTorrentsPerOwner: 2 };
const owner = (): PeerOwner => ({ peers: [] });
const pid = (n: number) => `peer${String(n).padStart(16, '0')}`;

function add(s: RtcSwarms, o: PeerOwner, n: number, seeder = false, ih = IH, expires = 1000): RtcPeer {
  const p = s.announce(ih, pid(n), o, seeder, false, expires);
  assert.equal(typeof p, 'object', String(p));
  return p as RtcPeer;
}

describe('WebRTC swarms', () => {
  test('counts seeders and leechers; completion counts once; stopped removes', () => {
    const s = new RtcSwarms(limits);
    const a = owner();
    const b = owner();
    const pa = add(s, a, 1);
    add(s, b, 2, true);
    const sw = s.get(IH)!;
    assert.deepEqual([sw.seeders, sw.leechers, sw.downloaded], [1, 1, 0]);
    assert.equal(s.announce(IH, pid(1), a, false, true, 1000), pa);
    assert.equal(s.announce(IH, pid(1), a, true, true, 1000), pa);
    assert.deepEqual([sw.seeders, sw.leechers, sw.downloaded], [2, 0, 1]);
    s.remove(pa);
    assert.deepEqual([sw.seeders, sw.leechers, s.peers, a.peers.length], [1, 0, 1, 0]);
    s.remove(pa);
    assert.equal(s.peers, 1, 'removing twice is harmless');
  });

  test('a peer_id held by another connection is refused', () => {
    const s = new RtcSwarms(limits);
    add(s, owner(), 1);
    assert.equal(s.announce(IH, pid(1), owner(), false, false, 1000), IN_USE);
  });

  test('a connection closing removes all its peers, and emptied swarms go', () => {
    const s = new RtcSwarms(limits);
    const a = owner();
    add(s, a, 1, false, IH);
    add(s, a, 1, false, IH2);
    add(s, owner(), 2, false, IH2);
    s.removeOwner(a);
    assert.equal(a.peers.length, 0);
    assert.equal(s.get(IH), undefined);
    assert.equal(s.get(IH2)!.list.length, 1);
    assert.equal(s.peers, 1);
  });

  test('expiry sweep drops only stale peers', () => {
    const s = new RtcSwarms({ ...limits, maxPeersPerSwarm: 100 });
    const owners = Array.from({ length: 40 }, owner);
    for (const [i, o] of owners.entries()) add(s, o, i, false, IH, i % 2 === 0 ? 50 : 500);
    assert.equal(s.sweep(100), 20);
    assert.equal(s.get(IH)!.list.length, 20);
    for (const p of s.get(IH)!.list) assert.equal(p.expires, 500);
    for (const [i, p] of s.get(IH)!.list.entries()) assert.equal(p.index, i);
    assert.equal(s.sweep(1000), 20);
    assert.equal(s.swarms.size, 0);
    assert.ok(owners.every((o) => o.peers.length === 0));
  });

  test('limits: torrents per connection, peers per swarm, swarms', () => {
    const s = new RtcSwarms({ ...limits, maxPeersPerSwarm: 2 });
    const a = owner();
    add(s, a, 1, false, IH);
    add(s, a, 1, false, IH2);
    assert.equal(
      s.announce('k'.repeat(20), pid(1), a, false, false, 1),
      'too many torrents on one connection',
    );
    add(s, owner(), 2, false, IH);
    assert.equal(s.announce(IH, pid(3), owner(), false, false, 1), 'swarm is full');
    add(s, owner(), 4, false, 'k'.repeat(20));
    assert.equal(s.announce('l'.repeat(20), pid(5), owner(), false, false, 1), 'too many torrents tracked');
  });

  test('pick: up to n distinct peers, never self, a seeder gets leechers only, roughly uniform', () => {
    const s = new RtcSwarms(limits);
    const peers = Array.from({ length: 30 }, (_, i) => add(s, owner(), i, i >= 20));
    const out: RtcPeer[] = [];
    const seen = new Map<RtcPeer, number>();
    for (let round = 0; round < 2000; round++) {
      assert.equal(s.pick(peers[0], 5, out), 5);
      assert.equal(new Set(out).size, 5);
      assert.ok(!out.includes(peers[0]));
      for (const p of out) seen.set(p, (seen.get(p) ?? 0) + 1);
    }
    assert.equal(seen.size, 29);
    for (const n of seen.values()) assert.ok(n > 200 && n < 500, `each peer picked ~345 times, got ${n}`);
    assert.equal(s.pick(peers[25], 50, out), 20);
    assert.ok(out.every((p) => !p.seeder));
    assert.equal(s.pick(peers[0], 100, out), 29);
    for (const [i, p] of s.get(IH)!.list.entries()) assert.equal(p.index, i);
  });
});
