// Which address an announce is from: the connection's (IPv4-mapped unmapped), never the
// `ip=` parameter, and X-Forwarded-For only from a trusted proxy, taking the right-most
// entry that is not itself a trusted proxy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { startTestService } from '../helpers/service.ts';
import { announce, announcePath, freshHash, LOOPBACK6_HEX, peers4, peers6, trackerReply } from './util.ts';

const ip4 = (...b: number[]) => Buffer.from(b);

describe('untrusted (default: http.trustProxy empty)', () => {
  let svc: Service;
  before(async () => {
    svc = await startTestService();
  });
  after(async () => {
    await svc?.close();
  });

  test('X-Forwarded-For is ignored', async () => {
    const hash = freshHash();
    const headers = { 'X-Forwarded-For': '9.9.9.9' };
    const d = await announce(svc, '127.0.0.1', { hash, id: peerId(1), port: 1111 }, { headers });
    assert.deepEqual(d['external ip'], ip4(127, 0, 0, 1));
    const v6 = await announce(svc, '::1', { hash, id: peerId(2), port: 2222 }, { headers });
    assert.deepEqual(v6['external ip'], Buffer.from(LOOPBACK6_HEX, 'hex'));
    assert.deepEqual(peers4(v6.peers), ['127.0.0.1:1111'], 'stored under the socket address');
  });

  test('the ip= parameter is ignored', async () => {
    const hash = freshHash();
    await announce(svc, '127.0.0.1', { hash, id: peerId(1), port: 1111, extra: '&ip=1.2.3.4' });
    await announce(svc, '::1', {
      hash,
      id: peerId(2),
      port: 2222,
      extra: '&ip=2001:db8::1&ipv6=2001:db8::2',
    });
    const d = await announce(svc, '127.0.0.1', { hash, id: peerId(3), port: 3333, extra: '&ip=5.6.7.8' });
    assert.deepEqual(d['external ip'], ip4(127, 0, 0, 1));
    assert.deepEqual(peers4(d.peers), ['127.0.0.1:1111']);
    assert.deepEqual(peers6(d.peers6), [`${LOOPBACK6_HEX}:2222`]);
  });

  test('a v4 client of the dual-stack socket (::ffff:127.0.0.2) is stored as plain IPv4', async () => {
    const hash = freshHash();
    const d = await announce(
      svc,
      '127.0.0.1',
      { hash, id: peerId(1), port: 1 },
      { localAddress: '127.0.0.2' },
    );
    assert.equal((d['external ip'] as Buffer).length, 4);
    assert.deepEqual(d['external ip'], ip4(127, 0, 0, 2));
    const other = await announce(svc, '::1', { hash, id: peerId(2), port: 2 });
    assert.deepEqual(peers4(other.peers), ['127.0.0.2:1']);
    assert.deepEqual(peers6(other.peers6), []);
  });
});

describe('trusted proxy (http.trustProxy = 127.0.0.1, 10.0.0.0/8)', () => {
  let svc: Service;
  before(async () => {
    svc = await startTestService({ env: { TRAKX_HTTP_TRUSTPROXY: '127.0.0.1, 10.0.0.0/8' } });
  });
  after(async () => {
    await svc?.close();
  });

  async function via(xff: string | undefined, localAddress?: string, host = '127.0.0.1', port = 5000) {
    const hash = freshHash();
    const headers: Record<string, string> = xff === undefined ? {} : { 'X-Forwarded-For': xff };
    const d = await announce(svc, host, { hash, id: peerId(1), port }, { headers, localAddress });
    // What the swarm stored, as seen by a second peer.
    const seen = await announce(svc, '::1', { hash, id: peerId(2), port: port + 1 });
    return { external: d['external ip'] as Buffer, stored: [...peers4(seen.peers), ...peers6(seen.peers6)] };
  }

  test('a single forwarded address is believed', async () => {
    const r = await via('9.9.9.9');
    assert.deepEqual(r.external, ip4(9, 9, 9, 9));
    assert.deepEqual(r.stored, ['9.9.9.9:5000']);
  });

  test('the right-most entry is taken, not what the client wrote to its left', async () => {
    const r = await via('6.6.6.6, 1.1.1.1,9.9.9.9');
    assert.deepEqual(r.external, ip4(9, 9, 9, 9));
  });

  test('trusted proxies at the right end are skipped', async () => {
    const r = await via('6.6.6.6, 9.9.9.9, 10.1.2.3, 127.0.0.1');
    assert.deepEqual(r.external, ip4(9, 9, 9, 9));
    assert.deepEqual(r.stored, ['9.9.9.9:5000']);
  });

  test('an IPv6 forwarded address makes an IPv6 peer; a mapped one an IPv4 peer', async () => {
    const r = await via('2001:db8::5');
    assert.deepEqual(r.external, Buffer.from('20010db8000000000000000000000005', 'hex'));
    assert.deepEqual(r.stored, ['20010db8000000000000000000000005:5000']);
    const m = await via('::ffff:9.9.9.8');
    assert.deepEqual(m.external, ip4(9, 9, 9, 8));
  });

  test('several X-Forwarded-For headers are read as one list, right-most last', async () => {
    const hash = freshHash();
    const res = await get('127.0.0.1', svc.httpPort, announcePath({ hash, id: peerId(1), port: 1 }), {
      headers: { 'X-Forwarded-For': ['6.6.6.6', '5.5.5.5, 10.9.9.9'] },
    });
    assert.deepEqual(trackerReply(res)['external ip'], ip4(5, 5, 5, 5));
  });

  test('without the header the proxy’s own address is used', async () => {
    const r = await via(undefined);
    assert.deepEqual(r.external, ip4(127, 0, 0, 1));
  });

  test('from an untrusted address the header is ignored', async () => {
    const r = await via('9.9.9.9', '127.0.0.2');
    assert.deepEqual(r.external, ip4(127, 0, 0, 2));
    const v6 = await via('9.9.9.9', undefined, '::1');
    assert.deepEqual(v6.external, Buffer.from(LOOPBACK6_HEX, 'hex'), '::1 is not in the trusted list');
  });
});
