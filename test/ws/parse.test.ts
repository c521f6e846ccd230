// The WebSocket message parser on raw bytes and JSON: every malformed input is a refusal
// (never a throw), and well-formed announces and scrapes read as bittorrent-tracker reads them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WsAnnounce, WsInvalid, WsScrape } from '../../app/frontend/ws/parse.ts';
import { isBinary20, parseWsMessage } from '../../app/frontend/ws/parse.ts';

const limits = { maxOffers: 3, maxScrapeHashes: 2 };
// Binary strings as the client makes them: every byte value, control characters included.
const IH = String.fromCharCode(0, 1, 0x22, 0x5c, 0x7f, 0x80, 0xff, ...Array(13).fill(0x41));
const PID = '-WW0208-abcdefghijkl';
const OFFER = { type: 'offer', sdp: 'v=0\r\n' };

function parse(msg: unknown) {
  return parseWsMessage(Buffer.from(typeof msg === 'string' ? msg : JSON.stringify(msg)), limits);
}
function refused(msg: unknown): WsInvalid {
  const r = parse(msg);
  assert.equal(r.action, 'invalid', JSON.stringify(msg));
  return r as WsInvalid;
}

describe('WebSocket message parse', () => {
  test('a full announce with offers', () => {
    const r = parse({
      action: 'announce',
      info_hash: IH,
      peer_id: PID,
      event: 'started',
      left: 100,
      numwant: 2,
      offers: [
        { offer: OFFER, offer_id: 'o'.repeat(20) },
        { offer: OFFER, offer_id: 'p'.repeat(20) },
      ],
    }) as WsAnnounce;
    assert.equal(r.action, 'announce');
    assert.equal(r.infoHash, IH);
    assert.equal(r.peerId, PID);
    assert.equal(r.event, 'started');
    assert.equal(r.left, 100);
    assert.equal(r.numwant, 2);
    assert.deepEqual(
      r.offers.map((o) => o.offer_id),
      ['o'.repeat(20), 'p'.repeat(20)],
    );
    assert.deepEqual(r.offers[0].offer, OFFER);
    assert.equal(r.answer, null);
  });

  test('binary strings survive JSON escaping (UTF-8 on the wire for bytes 0x80-0xff)', () => {
    const wire = Buffer.from(JSON.stringify({ action: 'announce', info_hash: IH, peer_id: PID }), 'utf8');
    assert.ok(wire.includes(Buffer.from([0xc3, 0xbf])), 'ÿ is two bytes of UTF-8');
    const r = parseWsMessage(wire, limits) as WsAnnounce;
    assert.equal(r.infoHash, IH);
  });

  test('event: none and `empty` are update; left not a number is Infinity; no numwant is -1', () => {
    for (const event of [undefined, '', 'empty', 'update']) {
      const r = parse({ action: 'announce', info_hash: IH, peer_id: PID, event }) as WsAnnounce;
      assert.equal(r.event, 'update');
      assert.equal(r.left, Number.POSITIVE_INFINITY);
      assert.equal(r.numwant, -1);
      assert.deepEqual(r.offers, []);
    }
    // WebTorrent with only a magnet link sends left: Infinity, which JSON turns into null.
    for (const left of [null, '', ' ', 'x', {}, []]) {
      assert.equal(
        (parse({ action: 'announce', info_hash: IH, peer_id: PID, left }) as WsAnnounce).left,
        Infinity,
      );
    }
    const r = parse({
      action: 'announce',
      info_hash: IH,
      peer_id: PID,
      left: '0',
      event: 'completed',
    }) as WsAnnounce;
    assert.equal(r.left, 0);
    assert.equal(r.event, 'completed');
  });

  test('an answer needs to_peer_id and offer_id', () => {
    const base = { action: 'announce', info_hash: IH, peer_id: PID, answer: { type: 'answer', sdp: 'x' } };
    const r = parse({ ...base, to_peer_id: 't'.repeat(20), offer_id: 'o'.repeat(20) }) as WsAnnounce;
    assert.deepEqual(r.answer, base.answer);
    assert.equal(r.toPeerId, 't'.repeat(20));
    assert.equal(r.offerId, 'o'.repeat(20));
    assert.match(refused({ ...base, offer_id: 'o'.repeat(20) }).reason, /to_peer_id/);
    assert.match(refused({ ...base, to_peer_id: 't'.repeat(20) }).reason, /offer_id/);
    assert.match(
      refused({ ...base, answer: 'sdp', to_peer_id: 't'.repeat(20), offer_id: 'o'.repeat(20) }).reason,
      /answer/,
    );
  });

  test('malformed bytes and JSON are refused without action or info_hash', () => {
    for (const raw of ['', '{', 'null', '[]', '"announce"', '42', '{"action":"announce"', '\u0000\u00ff']) {
      const r = refused(raw);
      assert.equal(r.replyAction, null);
      assert.equal(r.infoHash, null);
    }
    const r = parseWsMessage(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), limits);
    assert.equal(r.action, 'invalid');
    assert.equal(refused({ action: 'connect' }).reason, 'invalid action');
    assert.equal(refused({ info_hash: IH }).reason, 'invalid action');
  });

  test('wrong info_hash / peer_id lengths, types and characters', () => {
    for (const info_hash of [
      undefined,
      'a'.repeat(19),
      'a'.repeat(21),
      20,
      ['a'.repeat(20)],
      `${'a'.repeat(19)}\u0100`,
    ]) {
      const r = refused({ action: 'announce', info_hash, peer_id: PID });
      assert.equal(r.reason, 'invalid info_hash');
      assert.equal(r.infoHash, null);
    }
    for (const peer_id of [undefined, 'a'.repeat(19), 'a'.repeat(40), {}, `${'a'.repeat(19)}€`]) {
      const r = refused({ action: 'announce', info_hash: IH, peer_id });
      assert.equal(r.reason, 'invalid peer_id');
      assert.equal(r.replyAction, 'announce');
      assert.equal(r.infoHash, IH, 'a refusal after the info_hash names it (the client matches on it)');
    }
    assert.ok(isBinary20('\u00ff'.repeat(20)));
    assert.ok(!isBinary20('\u0100'.repeat(20)));
  });

  test('bad events, offers and too many offers', () => {
    const base = { action: 'announce', info_hash: IH, peer_id: PID };
    assert.equal(refused({ ...base, event: 'bogus' }).reason, 'invalid event');
    assert.equal(refused({ ...base, event: 3 }).reason, 'invalid event');
    assert.equal(refused({ ...base, event: '__proto__' }).reason, 'invalid event');
    assert.equal(refused({ ...base, offers: {} }).reason, 'invalid offers');
    const good = { offer: OFFER, offer_id: 'o'.repeat(20) };
    for (const bad of [null, 1, 'x', [], { offer: OFFER }, { offer: null, offer_id: 'o'.repeat(20) }]) {
      assert.equal(refused({ ...base, offers: [good, bad] }).reason, 'invalid offer');
    }
    assert.equal(refused({ ...base, offers: [good, good, good, good] }).reason, 'too many offers');
    assert.equal((parse({ ...base, offers: [good, good, good] }) as WsAnnounce).offers.length, 3);
  });

  test('scrape: one hash, several, none (every swarm), and refusals', () => {
    assert.deepEqual((parse({ action: 'scrape', info_hash: IH }) as WsScrape).infoHashes, [IH]);
    assert.deepEqual((parse({ action: 'scrape', info_hash: [IH, PID] }) as WsScrape).infoHashes, [IH, PID]);
    assert.equal((parse({ action: 'scrape' }) as WsScrape).infoHashes, null);
    assert.deepEqual((parse({ action: 'scrape', info_hash: [] }) as WsScrape).infoHashes, []);
    assert.equal(refused({ action: 'scrape', info_hash: [IH, PID, IH] }).reason, 'too many info_hash');
    for (const info_hash of ['short', [IH, 'short'], 5, { a: IH }, [null]]) {
      const r = refused({ action: 'scrape', info_hash });
      assert.equal(r.replyAction, 'scrape');
    }
  });

  test('a fuzz of mutated messages never throws', () => {
    const seed = Buffer.from(
      JSON.stringify({
        action: 'announce',
        info_hash: IH,
        peer_id: PID,
        offers: [{ offer: OFFER, offer_id: PID }],
      }),
    );
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(seed);
      for (let k = 0; k < 3; k++) {
        x = (x * 1103515245 + 12345) >>> 0;
        b[x % b.length] = x >>> 24;
      }
      const r = parseWsMessage(b, limits);
      assert.ok(r.action === 'announce' || r.action === 'scrape' || r.action === 'invalid');
    }
  });
});
