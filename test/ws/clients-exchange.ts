// Two real bittorrent-tracker clients (the library WebTorrent uses in browsers), at their
// default settings, meet through a WebSocket tracker: the offer of one reaches the other,
// whose answer comes back to the offer it answers; scrape counts them; a disconnect and a
// stop remove them. Only WebRTC itself is a stand-in (webrtc/fake-webrtc.ts): its Node
// backend is a native addon that is not built here, and signalling is all a tracker sees.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { register } from 'node:module';
import type { RtcSwarms } from '../../app/frontend/ws/swarms.ts';

register('./webrtc/hooks.mjs', import.meta.url);
const { default: Client } = await import('bittorrent-tracker/client');

const INFO_HASH = 'c9e15763f722f23e98a29decdfae341b98d53056';
const PEER_A = Buffer.from('-WW0208-aaaaaaaaaaaa').toString('hex');
const PEER_B = Buffer.from('-WW0208-bbbbbbbbbbbb').toString('hex');

interface FakePc {
  id: number;
  remoteDescription: { sdp: string } | null;
}
interface SignalPeer {
  id: string;
  _pc: FakePc;
}

function makeClient(peerId: string, url: string) {
  const client = new Client({ infoHash: INFO_HASH, peerId, announce: [url], port: 6881 });
  const warnings: string[] = [];
  client.on('warning', (err: Error) => warnings.push(err.message));
  client.on('error', (err: Error) => warnings.push(err.message));
  return { client, warnings };
}

async function settled(pc: FakePc): Promise<string> {
  for (let i = 0; i < 100 && pc.remoteDescription === null; i++) await new Promise((r) => setTimeout(r, 10));
  return pc.remoteDescription?.sdp ?? '';
}

/** The whole exchange against the tracker at `url`, whose WebRTC swarms are `swarms`. */
export async function clientsExchange(url: string, swarms: RtcSwarms): Promise<void> {
  // The client pools one WebSocket per tracker URL in a process; two browsers would each
  // have their own, so the second client names the tracker with a query string.
  const a = makeClient(PEER_A, url);
  const b = makeClient(PEER_B, `${url}?second-browser`);

  a.client.start();
  const [ua] = await once(a.client, 'update');
  assert.deepEqual([ua.complete, ua.incomplete, ua.infoHash], [0, 1, INFO_HASH]);

  const aPeer = once(a.client, 'peer');
  const bPeer = once(b.client, 'peer');
  const bUpdate = once(b.client, 'update');
  b.client.start();
  const [ub] = await bUpdate;
  assert.deepEqual([ub.complete, ub.incomplete], [0, 2]);
  const [pa] = (await aPeer) as [SignalPeer];
  assert.equal(pa.id, PEER_B, "A got B's offer");
  const [pb] = (await bPeer) as [SignalPeer];
  assert.equal(pb.id, PEER_A, "B got A's answer");
  const offerSdp = await settled(pa._pc);
  assert.match(offerSdp, /s=fake-offer-\d+/);
  const answerSdp = await settled(pb._pc);
  assert.match(answerSdp, new RegExp(`s=fake-answer-${pa._pc.id}-to-fake-offer-${pb._pc.id}\\r\\n`));

  a.client.scrape();
  const [sa] = await once(a.client, 'scrape');
  assert.deepEqual([sa.complete, sa.incomplete, sa.downloaded, sa.infoHash], [0, 2, 0, INFO_HASH]);

  b.client.destroy();
  for (let i = 0; i < 200 && swarms.peers > 1; i++) await new Promise((r) => setTimeout(r, 10));
  a.client.scrape();
  const [sa2] = await once(a.client, 'scrape');
  assert.equal(sa2.incomplete, 1, 'the disconnected client left the swarm');

  a.client.stop();
  await once(a.client, 'update');
  assert.equal(swarms.peers, 0, 'stopped removes the peer');
  a.client.destroy();
  assert.deepEqual(a.warnings, []);
  assert.deepEqual(b.warnings, []);
}
