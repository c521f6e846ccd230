// One reply per request, over raw sockets on the real service: requests sent before the
// client's FIN are all answered (some replies are written later: tracker bursts, static
// files), and a request whose error shows only after it was handed to a route (an invalid
// Transfer-Encoding, a bad chunk) gets at most one reply, never a 400 after its 200 or in
// place of an earlier request's reply. Each case on a fresh connection and on one the
// socket front already keeps (after a keep-alive announce it answered).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { bdict } from '../helpers/bdecode.ts';
import { peerId } from '../helpers/ids.ts';
import { noUdp, startTestService } from '../helpers/service.ts';
import { announcePath, freshHash } from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService({ host: '127.0.0.1', tweak: noUdp });
});
after(async () => {
  await svc?.close();
});

interface Reply {
  status: number;
  body: string;
}

/** The replies in what a connection received, split by their Content-Length. */
function replies(data: string): Reply[] {
  const out: Reply[] = [];
  let p = 0;
  while (p < data.length) {
    const end = data.indexOf('\r\n\r\n', p);
    if (end < 0) throw new Error(`a partial reply: ${JSON.stringify(data.slice(p))}`);
    const head = data.slice(p, end);
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
    const len = /\r\ncontent-length: *(\d+)/i.exec(head);
    assert.ok(len, `a reply without Content-Length: ${head}`);
    out.push({ status, body: data.slice(end + 4, end + 4 + Number(len[1])) });
    p = end + 4 + Number(len[1]);
  }
  return out;
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;
const announceGet = (port: number) =>
  get(announcePath({ hash: freshHash(), id: peerId(port), port, numwant: 0 }));

/**
 * Send `payload` on a connection (`kept`: after a keep-alive announce the front answered),
 * then `later` once a reply came, half-close when `fin`, and return the replies to the
 * payload once the server closes.
 */
async function exchange(
  payload: string,
  opts: { kept: boolean; fin: boolean; later?: string },
): Promise<Reply[]> {
  const socket = connect(svc.httpPort, '127.0.0.1');
  socket.on('error', () => {});
  let data = '';
  socket.on('data', (d: Buffer) => {
    data += d.toString('latin1');
  });
  const closed = once(socket, 'close');
  const timer = setTimeout(() => socket.destroy(), 3000);
  try {
    await once(socket, 'connect');
    if (opts.kept) {
      socket.write(announceGet(6000));
      for (let i = 0; i < 300 && !/\r\n\r\nd/.test(data); i++) await new Promise((r) => setTimeout(r, 10));
    }
    const first = replies(data);
    assert.equal(first.length, opts.kept ? 1 : 0, 'the keep-alive announce answered');
    const seen = data.length;
    socket.write(payload);
    if (opts.later !== undefined) {
      for (let i = 0; i < 300 && data.length === seen; i++) await new Promise((r) => setTimeout(r, 10));
      socket.write(opts.later);
    }
    if (opts.fin) socket.end();
    await closed;
    assert.ok(socket.readableEnded, 'closed by the server, not by the deadline');
    return replies(data.slice(seen));
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

const isAnnounce = (r: Reply | undefined) =>
  r?.status === 200 && 'interval' in bdict(Buffer.from(r.body, 'latin1'));
const isPage = (r: Reply | undefined) => r?.status === 200 && /<html/i.test(r.body);

for (const kept of [false, true]) {
  describe(kept ? 'a kept connection' : 'a fresh connection', () => {
    test('heartbeat then announce then FIN: both answered, in order', async () => {
      const got = await exchange(get('/heartbeat') + announceGet(6001), { kept, fin: true });
      assert.equal(got.length, 2, JSON.stringify(got));
      assert.deepEqual(got[0], { status: 200, body: 'ok' });
      assert.ok(isAnnounce(got[1]), JSON.stringify(got[1]));
    });

    test('static page then FIN: answered', async () => {
      const got = await exchange(get('/'), { kept, fin: true });
      assert.equal(got.length, 1, JSON.stringify(got));
      assert.ok(isPage(got[0]));
    });

    test('static page then announce then FIN: both answered, in order', async () => {
      const got = await exchange(get('/') + announceGet(6002), { kept, fin: true });
      assert.equal(got.length, 2, JSON.stringify(got));
      assert.ok(isPage(got[0]));
      assert.ok(isAnnounce(got[1]), JSON.stringify(got[1]));
    });

    for (const [name, bad] of [
      ['Transfer-Encoding: identity', get('/heartbeat', 'Transfer-Encoding: identity\r\n')],
      ['a bad chunk', `${get('/heartbeat', 'Transfer-Encoding: chunked\r\n')}zz\r\n`],
    ] as const) {
      test(`heartbeat with ${name}: at most one reply, then closed`, async () => {
        const got = await exchange(bad, { kept, fin: false });
        assert.ok(got.length <= 1, JSON.stringify(got));
      });

      test(`announce then heartbeat with ${name}: the announce's reply, no error after it`, async () => {
        const got = await exchange(announceGet(6003) + bad, { kept, fin: false });
        assert.ok(isAnnounce(got[0]), JSON.stringify(got));
        assert.ok(got.length <= 2, JSON.stringify(got));
        assert.ok(
          got.every((r) => r.status === 200),
          JSON.stringify(got),
        );
      });
    }

    test('heartbeat with a bad chunk sent after its reply: no second reply', async () => {
      const got = await exchange(get('/heartbeat', 'Transfer-Encoding: chunked\r\n'), {
        kept,
        fin: false,
        later: 'zz\r\n',
      });
      assert.deepEqual(got, [{ status: 200, body: 'ok' }]);
    });

    test('a malformed head still gets its one 400', async () => {
      const got = await exchange(get('/heartbeat', 'Content-Length: 1\r\nContent-Length: 2\r\n'), {
        kept,
        fin: false,
      });
      assert.deepEqual(
        got.map((r) => r.status),
        [400],
      );
    });
  });
}
