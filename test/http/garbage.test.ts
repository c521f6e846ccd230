// Garbage in: random request lines over raw sockets, 10 KB queries, invalid escapes.
// Every answer is a tracker failure reason or a 4xx, never a 5xx or a stack trace, and
// the tracker still serves a good announce afterwards. All loops are bounded in count
// and each socket in time.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { bdict } from '../helpers/bdecode.ts';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { prng } from '../helpers/prng.ts';
import { startTestService } from '../helpers/service.ts';
import { announce, announcePath, freshHash, HOSTS, scrapePath } from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.close();
});

/** Signs of an internal error leaking out. */
const LEAK = /\bat [\w.<>]+ \(|node_modules|\/work\/|Error:|TypeError|stack/;

/** Send bytes on a fresh connection, half-close, and collect whatever comes back. */
function raw(host: string, data: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = connect({ host, port: svc.httpPort });
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    sock.end(data);
  });
}

function checkRaw(reply: Buffer, what: string): number {
  if (reply.length === 0) return 0; // closed without a word: allowed
  const text = reply.toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
  assert.ok(m, `not an HTTP reply to ${what}: ${JSON.stringify(text.slice(0, 80))}`);
  const status = Number(m[1]);
  assert.ok(status < 500, `HTTP ${status} for ${what}: ${JSON.stringify(text.slice(0, 300))}`);
  assert.doesNotMatch(text, LEAK, `internal detail in the reply to ${what}`);
  return status;
}

describe('garbage', () => {
  test('200 random request lines over raw sockets', async () => {
    const rnd = prng(0x7a4c);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const urlish = (n: number) => {
      const alphabet = '%/?&=+.#:;@[]~!$()*,0123456789abcdefzZ%%..//\\';
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      return s;
    };
    const lines: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const kind = i % 4;
      const host = 'Host: x\r\n\r\n';
      if (kind === 0)
        lines.push(Buffer.concat([bytes(1 + Math.floor(rnd() * 300)), Buffer.from('\r\n\r\n')]));
      else if (kind === 1)
        lines.push(
          Buffer.concat([
            Buffer.from('GET /announce?'),
            bytes(Math.floor(rnd() * 200)),
            Buffer.from(` HTTP/1.1\r\n${host}`),
          ]),
        );
      else if (kind === 2)
        lines.push(Buffer.from(`GET /${urlish(Math.floor(rnd() * 200))} HTTP/1.1\r\n${host}`));
      else lines.push(Buffer.from(`GET /announce?${urlish(Math.floor(rnd() * 400))} HTTP/1.1\r\n${host}`));
    }
    const statuses = new Map<number, number>();
    // Ten connections at a time, alternating families.
    for (let i = 0; i < lines.length; i += 10) {
      const batch = lines.slice(i, i + 10);
      const replies = await Promise.all(batch.map((l, j) => raw(HOSTS[(i + j) % 2], l)));
      replies.forEach((r, j) => {
        const status = checkRaw(r, JSON.stringify(batch[j].toString('latin1').slice(0, 60)));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      });
    }
    // Most garbage is answered (400 from the parser, 404, or a tracker failure in a 200).
    const answered = [...statuses].filter(([s]) => s !== 0).reduce((n, [, c]) => n + c, 0);
    assert.ok(answered >= 150, `only ${answered} of 200 got an answer: ${JSON.stringify([...statuses])}`);
  });

  for (const host of HOSTS) {
    test(`10 KB queries get a failure reason (${host})`, async () => {
      const pad = 'x'.repeat(10 * 1024);
      const cases = [
        `${announcePath({ hash: freshHash(), id: peerId(1), port: 1 })}&pad=${pad}`,
        `/announce?${pad}`,
        `${scrapePath([freshHash()])}&pad=${pad}`,
        `/announce?${'&a=1'.repeat(2560)}`,
        `/announce?${'%41'.repeat(3400)}`,
      ];
      for (const path of cases) {
        const res = await get(host, svc.httpPort, path);
        assert.equal(res.status, 200);
        const reason = bdict(res.body)['failure reason'];
        assert.ok(Buffer.isBuffer(reason), `no failure for a ${path.length}-byte query`);
        assert.match(reason.toString(), /^malformed query: (too long|too many parameters)$/);
      }
      const notFound = await get(host, svc.httpPort, `/${pad}`);
      assert.equal(notFound.status, 404);
    });

    test(`invalid escapes get a failure reason or a 4xx (${host})`, async () => {
      const paths = [
        '/announce?%',
        '/announce?info_hash=%zz',
        '/announce?info_hash=%4',
        '/announce?%%%',
        '/announce?info_hash=%G0&peer_id=%0G',
        '/scrape?info_hash=%',
        '/scrape?%u0041=1',
        '/%zz',
        '/%',
        '/announce%zz',
        '/%00',
        '/%E0%A4%A',
      ];
      for (const path of paths) {
        const res = await get(host, svc.httpPort, path);
        const text = res.body.toString('latin1');
        assert.doesNotMatch(text, LEAK, path);
        if (res.status === 200) {
          const reason = bdict(res.body)['failure reason'];
          assert.ok(Buffer.isBuffer(reason), `${path}: 200 without a failure reason`);
        } else {
          assert.ok(res.status >= 400 && res.status < 500, `${path}: HTTP ${res.status}`);
          assert.match(String(res.headers['content-type']), /^text\/plain/, `${path}: plain words`);
          assert.ok(!text.includes(path.slice(1)), `${path}: the reply echoes the URL: ${text}`);
        }
      }
    });
  }

  test('after all that, good announces and scrapes still work on both families', async () => {
    const hash = freshHash();
    const a = await announce(svc, '127.0.0.1', { hash, id: peerId(1), port: 4001 });
    assert.equal(a.incomplete, 1);
    const b = await announce(svc, '::1', { hash, id: peerId(2), port: 4002 });
    assert.equal(b.incomplete, 2);
    assert.equal((b.peers as Buffer).length, 6);
    const s = await get('::1', svc.httpPort, scrapePath([hash]));
    assert.equal(s.status, 200);
    const hb = await get('127.0.0.1', svc.httpPort, '/heartbeat');
    assert.equal(hb.body.toString(), 'ok');
  });
});
