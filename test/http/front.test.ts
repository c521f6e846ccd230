// The one-shot front on a real node:http server over real sockets: which connections it
// answers itself, and that every other one reaches node:http intact (keep-alive,
// pipelining, split heads, bodies), that silent connections time out and that close()
// lets the server close.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OneShotFront } from '../../app/server/http-oneshot.ts';
import { bodyOf, getRequest, rawHttp } from '../abuse/raw-http.ts';

interface Seen {
  url: string;
  xff: string | undefined;
  remote: string | undefined;
}

interface Rig {
  server: http.Server;
  front: OneShotFront;
  port: number;
  /** What the front's routes were asked to answer. */
  seen: Seen[];
  /** URLs node:http's handler served. */
  node: string[];
  timeouts: number;
}

async function rig(
  opts: { forwarded?: boolean; requestMs?: number; maxHeaderSize?: number } = {},
): Promise<Rig> {
  const r = { seen: [] as Seen[], node: [] as string[], timeouts: 0 } as Rig;
  r.server = http.createServer({ maxHeaderSize: opts.maxHeaderSize ?? 16384 }, (req, res) => {
    r.node.push(req.url!);
    const body = `node:${req.method}:${req.url}`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
    res.end(body);
  });
  r.front = new OneShotFront(
    r.server,
    {
      oneShot(url, socket: Socket, xff) {
        if (!url.startsWith('/announce')) return null;
        r.seen.push({ url, xff, remote: socket.remoteAddress });
        return Buffer.from(`front:${url}`, 'latin1');
      },
    },
    {
      maxHeaderSize: opts.maxHeaderSize ?? 16384,
      requestMs: opts.requestMs ?? 10_000,
      forwarded: opts.forwarded ?? false,
      onTimeout(socket) {
        r.timeouts++;
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroySoon();
      },
    },
  );
  r.server.listen(0, '127.0.0.1');
  await once(r.server, 'listening');
  r.port = (r.server.address() as AddressInfo).port;
  return r;
}

async function shut(r: Rig): Promise<void> {
  r.front.close();
  r.server.closeAllConnections();
  await new Promise((done) => r.server.close(done));
}

const text = (b: Buffer): string => b.toString('latin1');

describe('one-shot front', () => {
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(() => shut(r));

  test('a GET that closes is answered by the front, with status, headers and exact body', async () => {
    const res = await rawHttp(r.port, getRequest('/announce?info_hash=%00%ff'));
    assert.equal(res.status, 200);
    assert.equal(res.closed, true);
    assert.equal(text(bodyOf(res.data)), 'front:/announce?info_hash=%00%ff');
    const headEnd = res.data.indexOf('\r\n\r\n');
    const head = text(res.data.subarray(0, headEnd));
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nContent-Type: text\/plain\r\n/);
    assert.match(head, /\r\nConnection: close\r\n/);
    assert.match(head, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    assert.match(head, /\r\nContent-Length: 32$/);
    assert.equal(res.data.length, headEnd + 4 + 32);
    assert.equal(r.seen.at(-1)!.remote, '127.0.0.1');
    assert.equal(r.seen.at(-1)!.xff, undefined);
  });

  test('HTTP/1.0 without keep-alive is a one-shot too', async () => {
    const res = await rawHttp(r.port, Buffer.from('GET /announce?a=1 HTTP/1.0\r\n\r\n'));
    assert.equal(text(bodyOf(res.data)), 'front:/announce?a=1');
  });

  test('a path the routes decline goes to node:http', async () => {
    const before = r.node.length;
    const res = await rawHttp(r.port, getRequest('/heartbeat'));
    assert.equal(text(bodyOf(res.data)), 'node:GET:/heartbeat');
    assert.deepEqual(r.node.slice(before), ['/heartbeat']);
  });

  test('keep-alive connections go to node:http and stay usable for further requests', async () => {
    const before = r.seen.length;
    const socket = connect(r.port, '127.0.0.1');
    await once(socket, 'connect');
    const replies: string[] = [];
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += text(d);
      for (;;) {
        const m = /^HTTP\/1\.1 200 OK\r\n[\s\S]*?Content-Length: (\d+)\r\n[\s\S]*?\r\n\r\n/.exec(buffered);
        if (!m || buffered.length < m[0].length + Number(m[1])) break;
        replies.push(buffered.slice(m[0].length, m[0].length + Number(m[1])));
        buffered = buffered.slice(m[0].length + Number(m[1]));
      }
    });
    for (let i = 0; i < 3; i++) {
      socket.write(`GET /announce?k=${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
      while (replies.length <= i) await new Promise((done) => setTimeout(done, 5));
    }
    assert.deepEqual(replies, ['node:GET:/announce?k=0', 'node:GET:/announce?k=1', 'node:GET:/announce?k=2']);
    assert.equal(socket.destroyed, false, 'still open');
    socket.destroy();
    assert.equal(r.seen.length, before, 'the front answered none of them');
  });

  test('pipelined requests in the first chunk all reach node:http, in order', async () => {
    const one = (k: number, close = '') => `GET /announce?p=${k} HTTP/1.1\r\nHost: t\r\n${close}\r\n`;
    const res = await rawHttp(r.port, Buffer.from(one(0) + one(1) + one(2, 'Connection: close\r\n')));
    const bodies = text(res.data).match(/node:GET:\/announce\?p=\d/g);
    assert.deepEqual(bodies, ['node:GET:/announce?p=0', 'node:GET:/announce?p=1', 'node:GET:/announce?p=2']);
  });

  test('a head split over two chunks goes to node:http, which reads the rest', async () => {
    const req = getRequest('/announce?split=1');
    const res = await rawHttp(r.port, [req.subarray(0, 20), req.subarray(20)], { chunkDelayMs: 50 });
    assert.equal(text(bodyOf(res.data)), 'node:GET:/announce?split=1');
  });

  test('other methods and requests with a body go to node:http', async () => {
    const head = await rawHttp(
      r.port,
      Buffer.from('HEAD /announce?h=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'),
    );
    assert.equal(head.status, 200);
    assert.equal(r.node.at(-1), '/announce?h=1');
    const post = await rawHttp(
      r.port,
      Buffer.from(
        'POST /announce?b=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
      ),
    );
    assert.equal(text(bodyOf(post.data)), 'node:POST:/announce?b=1');
  });

  test('malformed heads reach node:http, which answers 400', async () => {
    const res = await rawHttp(r.port, Buffer.from('GET /announce?x HTTP/1.1\r\nConnection: close\r\n\r\n'));
    assert.equal(res.status, 400, 'HTTP/1.1 without Host');
    const bad = await rawHttp(
      r.port,
      Buffer.from('GET /announce?x HTTP/1.1\r\nHost : t\r\nConnection: close\r\n\r\n'),
    );
    assert.equal(bad.status, 400);
  });

  test('a client that closes before sending anything leaves nothing behind', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await rawHttp(r.port, Buffer.alloc(0));
      assert.equal(res.status, 0);
    }
    // The server sees the FINs a moment later; then it holds no connection.
    let count = -1;
    for (let i = 0; i < 100 && count !== 0; i++) {
      await new Promise((done) => setTimeout(done, 10));
      count = await new Promise<number>((done) => r.server.getConnections((_e, n) => done(n)));
    }
    assert.equal(count, 0);
  });
});

describe('one-shot front limits', () => {
  test('X-Forwarded-For reaches the routes only when forwarded is set', async () => {
    const req = getRequest('/announce?f=1', 'X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-For: 10.4.5.6\r\n');
    const plain = await rig();
    const proxied = await rig({ forwarded: true });
    try {
      await rawHttp(plain.port, req);
      await rawHttp(proxied.port, req);
      assert.equal(plain.seen[0]!.xff, undefined);
      assert.equal(proxied.seen[0]!.xff, '10.1.2.3, 10.4.5.6');
    } finally {
      await shut(plain);
      await shut(proxied);
    }
  });

  test('a head over maxHeaderSize goes to node:http (its 431), not the routes', async () => {
    const small = await rig({ maxHeaderSize: 256 });
    try {
      const res = await rawHttp(small.port, getRequest(`/announce?${'a'.repeat(300)}`));
      assert.equal(small.seen.length, 0);
      assert.equal(res.status, 431);
    } finally {
      await shut(small);
    }
  });

  test('a connection that sends nothing is timed out through onTimeout', async () => {
    const t = await rig({ requestMs: 200 });
    try {
      const res = await rawHttp(t.port, Buffer.alloc(0), { end: false, timeoutMs: 3000 });
      assert.equal(res.closed, true);
      assert.equal(res.status, 408);
      assert.ok(res.ms >= 150 && res.ms < 1500, `cut after ${Math.round(res.ms)} ms`);
      assert.equal(t.timeouts, 1);
    } finally {
      await shut(t);
    }
  });

  test('close() destroys silent connections so server.close() completes, and later ones go to node:http', async () => {
    const t = await rig();
    const silent = rawHttp(t.port, Buffer.alloc(0), { end: false, timeoutMs: 5000 });
    await new Promise((done) => setTimeout(done, 100));
    t.front.close();
    const res = await silent;
    assert.equal(res.closed, true);
    assert.ok(res.ms < 2000);
    const later = await rawHttp(t.port, getRequest('/announce?late=1'));
    assert.equal(text(bodyOf(later.data)), 'node:GET:/announce?late=1', 'after close() node:http answers');
    await new Promise((done) => t.server.close(done));
  });
});
