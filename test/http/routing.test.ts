// /announce and /scrape are answered on Node's raw request ahead of Fastify
// (app/frontend/http/routes.ts). These check that the fast path takes exactly a GET of
// the exact path: near misses and other methods still get Fastify's plain 404 and store
// nothing, and keep-alive connections carry many tracker replies in order.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { rawHttp } from '../abuse/raw-http.ts';
import { type BValue, bdict } from '../helpers/bdecode.ts';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { startTestService } from '../helpers/service.ts';
import { announcePath, freshHash, scrapePath, trackerReply } from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.close();
});

function request(method: string, target: string, close = true): Buffer {
  const conn = close ? 'Connection: close\r\n' : '';
  const body = method === 'POST' ? 'Content-Length: 4\r\n\r\nabcd' : '\r\n';
  return Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: t\r\n${conn}${body}`, 'latin1');
}

type Dict = { [k: string]: BValue };
function entryOf(files: BValue | undefined, hash: Buffer): Dict {
  return (files as Dict)[hash.toString('latin1')] as Dict;
}

async function complete(hash: Buffer): Promise<number> {
  const res = await get('127.0.0.1', svc.httpPort, scrapePath([hash]));
  const entry = entryOf(trackerReply(res).files, hash);
  return (entry.complete as number) + (entry.incomplete as number);
}

test('a GET of /announce is answered 200 text/plain with an exact Content-Length', async () => {
  const hash = freshHash();
  const res = await get('127.0.0.1', svc.httpPort, announcePath({ hash, id: peerId(1), port: 6881 }));
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/plain');
  assert.equal(Number(res.headers['content-length']), res.body.length);
  assert.equal(trackerReply(res).complete, 0);
  assert.equal(await complete(hash), 1);
});

test('near misses of the tracker paths are Fastify 404s and store no peer', async () => {
  const hash = freshHash();
  const query = announcePath({ hash, id: peerId(2), port: 6882 }).slice('/announce'.length);
  for (const path of ['/announce/', '/announcex', '/announce.php', '/Announce', '/scrapes', '/scrape/']) {
    const res = await rawHttp(svc.httpPort, request('GET', `${path}${query}`));
    assert.equal(res.status, 404, path);
    assert.match(res.data.toString('latin1'), /\r\n\r\nnot found$/, path);
  }
  assert.equal(await complete(hash), 0);
});

test('other methods on the tracker paths are Fastify 404s and store no peer', async () => {
  const hash = freshHash();
  const target = announcePath({ hash, id: peerId(3), port: 6883 });
  for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const res = await rawHttp(svc.httpPort, request(method, target));
    assert.equal(res.status, 404, method);
  }
  const res = await rawHttp(svc.httpPort, request('POST', scrapePath([hash])));
  assert.equal(res.status, 404);
  assert.equal(await complete(hash), 0);
});

test('pipelined keep-alive requests get their replies in order on one connection', async () => {
  const hashes = [freshHash(), freshHash(), freshHash()];
  const parts = hashes.map((hash, i) =>
    request('GET', announcePath({ hash, id: peerId(10 + i), port: 7000 + i }), false),
  );
  // A scrape of all three last, then a close.
  parts.push(request('GET', scrapePath(hashes), true));
  const res = await rawHttp(svc.httpPort, Buffer.concat(parts));
  assert.ok(res.closed);
  // Split the stream into responses by their Content-Length.
  const bodies: Buffer[] = [];
  let data = res.data;
  while (data.length > 0) {
    const head = data.indexOf('\r\n\r\n');
    assert.ok(head > 0);
    const headers = data.subarray(0, head).toString('latin1');
    assert.match(headers, /^HTTP\/1\.1 200 /);
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1]);
    bodies.push(data.subarray(head + 4, head + 4 + len));
    data = data.subarray(head + 4 + len);
  }
  assert.equal(bodies.length, 4);
  for (const body of bodies.slice(0, 3)) assert.ok('interval' in bdict(body));
  const files = bdict(bodies[3]).files;
  for (const hash of hashes) assert.equal(entryOf(files, hash).incomplete, 1);
});

test('one announce sent every way a client opens a connection gets the same reply body', async () => {
  // Whole heads are answered by the socket front (socket-front.ts), a split head by node:http
  // (through Fastify's route when it is not whole at first). The peer re-announces each time,
  // so every reply must be the same bytes (but for the jittered interval).
  const hash = freshHash();
  const target = announcePath({ hash, id: peerId(20), port: 7100, numwant: 10 });
  const close = request('GET', target);
  const sends: [string, Buffer | Buffer[]][] = [
    ['HTTP/1.1 close', close],
    ['HTTP/1.0', Buffer.from(`GET ${target} HTTP/1.0\r\n\r\n`, 'latin1')],
    [
      'HTTP/1.0 keep-alive',
      Buffer.from(`GET ${target} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`, 'latin1'),
    ],
    ['HTTP/1.1 keep-alive', request('GET', target, false)],
    ['split head', [close.subarray(0, 30), close.subarray(30)]],
  ];
  const bodies: string[] = [];
  for (const [name, bytes] of sends) {
    const res = await rawHttp(svc.httpPort, bytes, { chunkDelayMs: 30, timeoutMs: 3000 });
    assert.equal(res.status, 200, name);
    const head = res.data.subarray(0, res.data.indexOf('\r\n\r\n')).toString('latin1');
    assert.match(head, /\r\ncontent-type: text\/plain\r\n/i, name);
    const len = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1]);
    const body = res.data.subarray(head.length + 4, head.length + 4 + len);
    assert.equal(body.length, len, name);
    assert.equal(bdict(body).incomplete, 1, name);
    // The interval is jittered per reply; everything else must be the same bytes.
    bodies.push(body.toString('latin1').replace(/8:intervali\d+e/, '8:intervali0e'));
  }
  for (let i = 1; i < bodies.length; i++) assert.equal(bodies[i], bodies[0], sends[i][0]);
  assert.equal(await complete(hash), 1);
});
