// The socket front on a real node:http server over real sockets: which requests it
// answers itself (tracker GETs, keep-alive or close, pipelined too), that everything else
// reaches node:http intact from the first byte it did not answer (split heads, other
// paths and methods, bodies), that silent and idle connections time out and that close()
// lets the server close.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TrackerFront } from '../../app/frontend/http/socket-front.ts';
import { bodyOf, getRequest, rawHttp } from '../abuse/raw-http.ts';

interface Seen {
  url: string;
  xff: string | undefined;
  remote: string | undefined;
}

interface Rig {
  server: http.Server;
  front: TrackerFront;
  port: number;
  /** What the front's routes were asked to answer. */
  seen: Seen[];
  /** URLs node:http's handler served. */
  node: string[];
  timeouts: number;
  /** What the front told onError (nothing, in every test). */
  errors: unknown[];
  /** The server side of the newest connection. */
  last?: Socket;
}

/** The body of `/announce?big…`: a few of them are more than the kernel buffers on loopback. */
const BIG = Buffer.alloc(1 << 20, 'b');

async function rig(
  opts: {
    forwarded?: boolean;
    requestMs?: number;
    idleMs?: number;
    stallMs?: number;
    maxHeaderSize?: number;
  } = {},
): Promise<Rig> {
  const r = { seen: [] as Seen[], node: [] as string[], timeouts: 0, errors: [] as unknown[] } as Rig;
  r.server = http.createServer({ maxHeaderSize: opts.maxHeaderSize ?? 16384 }, (req, res) => {
    r.node.push(req.url!);
    const body = `node:${req.method}:${req.url}`;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
    res.end(body);
  });
  r.front = new TrackerFront(
    r.server,
    {
      answer(url, socket: Socket, xff) {
        if (!url.startsWith('/announce')) return null;
        r.seen.push({ url, xff, remote: socket.remoteAddress });
        if (url.startsWith('/announce?big')) return BIG;
        return Buffer.from(`front:${url}`, 'latin1');
      },
    },
    {
      maxHeaderSize: opts.maxHeaderSize ?? 16384,
      requestMs: opts.requestMs ?? 10_000,
      idleMs: opts.idleMs ?? 10_000,
      stallMs: opts.stallMs ?? 20_000,
      forwarded: opts.forwarded ?? false,
      onError(err) {
        r.errors.push(err);
      },
      onTimeout(socket) {
        r.timeouts++;
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        socket.destroySoon();
      },
    },
  );
  // After the front's own listener: the socket it was handed.
  r.server.on('connection', (socket: Socket) => {
    r.last = socket;
  });
  r.server.listen(0, '127.0.0.1');
  await once(r.server, 'listening');
  r.port = (r.server.address() as AddressInfo).port;
  return r;
}

/** A rig for one test, shut (and checked for errors) however the test ends. */
async function withRig(opts: Parameters<typeof rig>[0], body: (r: Rig) => Promise<void>): Promise<void> {
  const r = await rig(opts);
  try {
    await body(r);
  } finally {
    await shut(r);
  }
}

async function shut(r: Rig): Promise<void> {
  assert.deepEqual(r.errors, []);
  r.front.close();
  r.server.closeAllConnections();
  await new Promise((done) => r.server.close(done));
}

const text = (b: Buffer): string => b.toString('latin1');

/** A kept connection that splits what it receives into replies (heads and bodies). */
async function client(port: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const heads: string[] = [];
  const bodies: string[] = [];
  let buffered = '';
  socket.on('data', (d: Buffer) => {
    buffered += text(d);
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) break;
      const head = buffered.slice(0, end);
      const len = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
      if (buffered.length < end + 4 + len) break;
      heads.push(head);
      bodies.push(buffered.slice(end + 4, end + 4 + len));
      buffered = buffered.slice(end + 4 + len);
    }
  });
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 400 && bodies.length < n; i++) await new Promise((done) => setTimeout(done, 5));
    assert.equal(bodies.length, n, `${n} replies`);
  };
  return { socket, heads, bodies, until };
}

describe('socket front', () => {
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

  test('HTTP/1.0 without keep-alive is answered and closed too', async () => {
    const res = await rawHttp(r.port, Buffer.from('GET /announce?a=1 HTTP/1.0\r\n\r\n'));
    assert.equal(text(bodyOf(res.data)), 'front:/announce?a=1');
  });

  test('a path the routes decline goes to node:http', async () => {
    const before = r.node.length;
    const res = await rawHttp(r.port, getRequest('/heartbeat'));
    assert.equal(text(bodyOf(res.data)), 'node:GET:/heartbeat');
    assert.deepEqual(r.node.slice(before), ['/heartbeat']);
  });

  test('a keep-alive connection is served here request after request, then by node:http from its first other request', async () => {
    const c = await client(r.port);
    try {
      for (let i = 0; i < 3; i++) {
        c.socket.write(`GET /announce?k=${i} HTTP/1.1\r\nHost: t\r\n\r\n`);
        await c.until(i + 1);
      }
      assert.match(c.heads[0], /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=10\r\n/);
      // A request the routes decline: node:http takes the connection from there on.
      c.socket.write('GET /heartbeat HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(4);
      c.socket.write('GET /announce?k=4 HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(5);
      assert.deepEqual(c.bodies, [
        'front:/announce?k=0',
        'front:/announce?k=1',
        'front:/announce?k=2',
        'node:GET:/heartbeat',
        'node:GET:/announce?k=4',
      ]);
      assert.equal(c.socket.destroyed, false, 'still open');
    } finally {
      c.socket.destroy();
    }
  });

  test("pipelined requests are answered in order, the front's and then node:http's", async () => {
    const one = (path: string, close = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${close}\r\n`;
    const all = await rawHttp(
      r.port,
      Buffer.from(
        one('/announce?p=0') + one('/announce?p=1') + one('/announce?p=2', 'Connection: close\r\n'),
      ),
    );
    assert.deepEqual(text(all.data).match(/(front|node:GET):\/announce\?p=\d/g), [
      'front:/announce?p=0',
      'front:/announce?p=1',
      'front:/announce?p=2',
    ]);
    const mixed = await rawHttp(
      r.port,
      Buffer.from(one('/announce?p=3') + one('/heartbeat') + one('/announce?p=5', 'Connection: close\r\n')),
    );
    assert.deepEqual(text(mixed.data).match(/(front|node:GET):\/(announce\?p=\d|heartbeat)/g), [
      'front:/announce?p=3',
      'node:GET:/heartbeat',
      'node:GET:/announce?p=5',
    ]);
  });

  // Two reads in one poll phase, as the stream delivers them: the first joins the burst,
  // the second waits in the stream behind it, and follows it to node:http if it goes there.
  for (const [first, second, expected] of [
    ['/announce?t=1', '/heartbeat', ['front:/announce?t=1', 'node:GET:/heartbeat']],
    ['/heartbeat', '/announce?u=2', ['node:GET:/heartbeat', 'node:GET:/announce?u=2']],
  ] as const) {
    test(`chunks of a kept connection read in one turn are answered in order: ${first} then ${second}`, async () => {
      const c = await client(r.port);
      try {
        c.socket.write('GET /announce?t=0 HTTP/1.1\r\nHost: t\r\n\r\n');
        await c.until(1);
        const get = (path: string) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
        r.last!.emit('data', get(first));
        r.last!.emit('data', get(second));
        await c.until(3);
        assert.deepEqual(c.bodies, ['front:/announce?t=0', ...expected]);
      } finally {
        c.socket.destroy();
      }
    });
  }

  for (const [path, expected] of [
    ['/announce?e=1', 'front:/announce?e=1'],
    ['/heartbeat', 'node:GET:/heartbeat'],
  ] as const) {
    test(`a kept connection's last request sent with the client's FIN is answered, then closed: ${path}`, async () => {
      const c = await client(r.port);
      try {
        c.socket.write('GET /announce?e=0 HTTP/1.1\r\nHost: t\r\n\r\n');
        await c.until(1);
        const closed = once(c.socket, 'end');
        // The request and the FIN read in one turn, as the stream delivers them: its 'end'
        // comes before the burst would answer the request.
        r.last!.emit('data', Buffer.from(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`));
        r.last!.push(null);
        await c.until(2);
        assert.deepEqual(c.bodies, ['front:/announce?e=0', expected]);
        await closed;
      } finally {
        c.socket.destroy();
      }
    });
  }

  test('a request split over two packets on a kept connection goes to node:http, which reads the rest', async () => {
    const c = await client(r.port);
    try {
      c.socket.write('GET /announce?s=0 HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(1);
      c.socket.write('GET /announce?s=1 HTTP/1.1\r\nHo');
      await new Promise((done) => setTimeout(done, 50));
      c.socket.write('st: t\r\n\r\n');
      await c.until(2);
      assert.deepEqual(c.bodies, ['front:/announce?s=0', 'node:GET:/announce?s=1']);
    } finally {
      c.socket.destroy();
    }
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

describe('socket front limits', () => {
  test('X-Forwarded-For reaches the routes only when forwarded is set', async () => {
    const req = getRequest('/announce?f=1', 'X-Forwarded-For: 10.1.2.3\r\nX-Forwarded-For: 10.4.5.6\r\n');
    const plain = await rig();
    const proxied = await rig({ forwarded: true });
    try {
      await rawHttp(plain.port, req);
      await rawHttp(proxied.port, req);
      assert.equal(plain.seen[0].xff, undefined);
      assert.equal(proxied.seen[0].xff, '10.1.2.3, 10.4.5.6');
    } finally {
      await shut(plain);
      await shut(proxied);
    }
  });

  test('a head over maxHeaderSize goes to node:http (its 431), not the routes', () =>
    withRig({ maxHeaderSize: 256 }, async (small) => {
      const res = await rawHttp(small.port, getRequest(`/announce?${'a'.repeat(300)}`));
      assert.equal(small.seen.length, 0);
      assert.equal(res.status, 431);
    }));

  test('a connection that sends nothing is timed out through onTimeout', () =>
    withRig({ requestMs: 200 }, async (t) => {
      const res = await rawHttp(t.port, Buffer.alloc(0), { end: false, timeoutMs: 3000 });
      assert.equal(res.closed, true);
      assert.equal(res.status, 408);
      assert.ok(res.ms >= 150 && res.ms < 1500, `cut after ${Math.round(res.ms)} ms`);
      assert.equal(t.timeouts, 1);
    }));

  test('an idle keep-alive connection is closed after idleMs', () =>
    withRig({ idleMs: 300 }, async (t) => {
      const res = await rawHttp(t.port, Buffer.from('GET /announce?i=1 HTTP/1.1\r\nHost: t\r\n\r\n'), {
        end: false,
        timeoutMs: 3000,
      });
      assert.equal(text(bodyOf(res.data)), 'front:/announce?i=1');
      assert.equal(res.closed, true, 'closed by the server');
      assert.ok(res.ms >= 250 && res.ms < 2000, `closed after ${Math.round(res.ms)} ms`);
    }));

  test('close() also ends kept connections', async () => {
    const t = await rig();
    const c = await client(t.port);
    c.socket.write('GET /announce?c=1 HTTP/1.1\r\nHost: t\r\n\r\n');
    await c.until(1);
    t.front.close();
    await once(c.socket, 'close');
    await new Promise((done) => t.server.close(done));
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

  /**
   * A client that pipelines big replies up to a close and reads none of them; `kept`: after
   * a keep-alive GET the front answered (and the client read). Resolves once the front has
   * answered them all.
   */
  async function unread(t: Rig, kept: boolean, last: string): Promise<Socket> {
    const c = await client(t.port);
    if (kept) {
      c.socket.write('GET /announce?k=1 HTTP/1.1\r\nHost: t\r\n\r\n');
      await c.until(1);
    }
    c.socket.pause();
    const seen = t.seen.length;
    c.socket.write('GET /announce?big HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(15) + last);
    for (let i = 0; i < 200 && t.seen.length < seen + 16; i++)
      await new Promise((done) => setTimeout(done, 10));
    assert.equal(t.seen.length, seen + 16, 'all answered by the front');
    return c.socket;
  }

  const LAST = [
    ['Connection: close', 'GET /announce?big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0', 'GET /announce?big HTTP/1.0\r\n\r\n'],
  ] as const;

  for (const kept of [false, true]) {
    const on = kept ? 'a kept connection' : 'a fresh connection';
    for (const [name, last] of LAST) {
      test(`${on} whose replies up to a close (${name}) are not read is timed out`, () =>
        withRig({ idleMs: 300, stallMs: 300 }, async (t) => {
          const socket = await unread(t, kept, last);
          try {
            const server = t.last!;
            for (let i = 0; i < 500 && !server.destroyed; i++)
              await new Promise((done) => setTimeout(done, 10));
            assert.equal(server.destroyed, true, 'closed by the server');
          } finally {
            socket.destroy();
          }
        }));

      test(`close() ends ${on} whose replies up to a close (${name}) are not read`, () =>
        withRig({}, async (t) => {
          const socket = await unread(t, kept, last);
          try {
            t.front.close();
            const closed = new Promise<boolean>((done) => t.server.close(() => done(true)));
            const finished = await Promise.race([
              closed,
              new Promise<false>((done) => setTimeout(done, 3000, false)),
            ]);
            assert.equal(finished, true, 'server.close() finished with the client still connected');
          } finally {
            socket.destroy();
          }
        }));
    }
  }
});
