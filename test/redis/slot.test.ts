// Key slots computed here against the server's own CLUSTER KEYSLOT (a cluster-enabled
// redis-server): random binary keys, keys with {tags} of every shape, and the slot of a
// torrent's keys computed from its hash bytes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RespWriter } from '../../app/protocol/resp.ts';
import { firstKeySlot } from '../../app/swarm/redis/cluster.ts';
import { RedisConnection } from '../../app/swarm/redis/connection.ts';
import { keySlot, torrentSlot } from '../../app/swarm/redis/slot.ts';
import { prng } from '../helpers/prng.ts';
import { RedisServer, SKIP_NO_REDIS } from '../helpers/redis-server.ts';
import { waitUp } from './swarm-helpers.ts';

const server = new RedisServer();
let conn: RedisConnection;

async function serverSlot(key: Uint8Array): Promise<number> {
  return (await conn.command(['CLUSTER', 'KEYSLOT', key])) as number;
}

describe('Redis Cluster key slots', { skip: SKIP_NO_REDIS }, () => {
  before(async () => {
    await server.start(['--cluster-enabled', 'yes', '--cluster-config-file', `${server.dir}/nodes.conf`]);
    conn = new RedisConnection({ url: server.url });
    await waitUp(conn);
  });
  after(async () => {
    await conn?.close();
    await server.stop();
  });

  test('random keys, with and without tags, hash as the server hashes them', async () => {
    const rnd = prng(24);
    const bytes = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 256));
    const shapes = [
      () => bytes(Math.floor(rnd() * 40)),
      () => [...bytes(3), 0x7b, ...bytes(1 + Math.floor(rnd() * 8)), 0x7d, ...bytes(4)],
      () => [0x7b, 0x7d, ...bytes(6)], // empty tag: the whole key
      () => [...bytes(2), 0x7b, ...bytes(5)], // no closing brace
      () => [0x7b, 0x7b, ...bytes(3), 0x7d, 0x7d], // tag "{xyz"
      () => [0x7d, ...bytes(2), 0x7b, 0x61, 0x7d, 0x7b, 0x62, 0x7d], // first tag wins
    ];
    const keys = Array.from({ length: 1200 }, (_, i) => Buffer.from(shapes[i % shapes.length]()));
    const expected = await Promise.all(keys.map(serverSlot));
    for (const [i, k] of keys.entries()) assert.equal(keySlot(k), expected[i], `key ${k.toString('hex')}`);
    assert.equal(keySlot('trakx:torrents'), await serverSlot(Buffer.from('trakx:torrents')));
  });

  test("a torrent's slot from its hash is the slot of each of its keys", async () => {
    const rnd = prng(7);
    for (let i = 0; i < 200; i++) {
      const buf = Buffer.from(Array.from({ length: 23 }, () => Math.floor(rnd() * 256)));
      const hex = buf.subarray(3).toString('hex');
      const slot = torrentSlot(buf, 3);
      for (const tail of ['m', 's4', 'l6']) {
        assert.equal(slot, await serverSlot(Buffer.from(`trakx:{${hex}}${tail}`)), hex);
      }
    }
  });

  test('the first key of a request, read back from its bytes, gives its slot', () => {
    const w = new RespWriter();
    const encode = (args: string[]): Buffer => {
      w.array(args.length);
      for (const a of args) w.str(a);
      return w.take();
    };
    const key = 'trakx:{0123456789abcdef0123456789abcdef01234567}m';
    assert.equal(firstKeySlot(encode(['EVALSHA', 'f'.repeat(40), '2', key, 'x:other'])), keySlot(key));
    assert.equal(firstKeySlot(encode(['ZADD', 'trakx:torrents', '1', 'h'])), keySlot('trakx:torrents'));
    assert.equal(firstKeySlot(encode(['PING'])), -1);
  });
});
