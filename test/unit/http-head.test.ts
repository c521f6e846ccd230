// Byte-level tests of the request head reader: what it takes (a plain GET, keep-alive or
// close) and everything it must leave to node:http.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadReader } from '../../app/protocol/http-head.ts';

const TARGET = '/announce?info_hash=%00%ff&port=1';
const MAX = 16384;

/** 'close' or 'keep' for a whole head that is the entire text, null when refused or cut short. */
function read(text: string, r = new HeadReader()): 'close' | 'keep' | null {
  const b = Buffer.from(text, 'latin1');
  const end = r.read(b, 0, b.length, MAX);
  if (end < 0) return null;
  assert.equal(end, b.length, 'the head ends where the text does');
  return r.closes ? 'close' : 'keep';
}

function head(lines: string[], target = TARGET, version = '1.1'): string {
  return `GET ${target} HTTP/${version}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

describe('HeadReader', () => {
  test('takes an HTTP/1.1 GET with Host and Connection: close, and finds its target', () => {
    const r = new HeadReader();
    const text = head([
      'Host: t',
      'User-Agent: libtorrent/2.0',
      'Accept-Encoding: gzip',
      'Connection: close',
    ]);
    const b = Buffer.from(text, 'latin1');
    assert.equal(r.read(b, 0, b.length, MAX), b.length);
    assert.equal(r.closes, true);
    assert.equal(b.toString('latin1', r.targetStart, r.targetEnd), TARGET);
    assert.equal(r.forwardedFor(b), undefined);
  });

  test('HTTP/1.1 keeps the connection open unless it says close', () => {
    assert.equal(read(head(['Host: t'])), 'keep');
    assert.equal(read(head(['Host: t', 'Connection: keep-alive'])), 'keep');
    assert.equal(read(head(['Host: t', 'Connection: close'])), 'close');
  });

  test('HTTP/1.0 closes unless it asks for keep-alive; a Host is not required', () => {
    assert.equal(read(head([], TARGET, '1.0')), 'close');
    assert.equal(read(head(['User-Agent: x'], TARGET, '1.0')), 'close');
    assert.equal(read(head(['Connection: keep-alive'], TARGET, '1.0')), 'keep');
    assert.equal(read(head(['Connection: Keep-Alive'], TARGET, '1.0')), 'keep');
  });

  test('header names and Connection tokens in any case, with optional whitespace and lists', () => {
    assert.equal(read(head(['HOST:t', 'CONNECTION:  Close  '])), 'close');
    assert.equal(read(head(['host: t', 'connection: TE, close'])), 'close');
    assert.equal(read(head(['Host: t', 'Connection: ,close,'])), 'close');
    assert.equal(read(head(['Host: t', 'Connection: close\t'])), 'close');
    assert.equal(read(head(['Host: t', 'Connection: clos'])), 'keep', 'not the token close');
  });

  test('ambiguous or upgrading Connection values are refused', () => {
    assert.equal(read(head(['Host: t', 'Connection: close, keep-alive'])), null);
    assert.equal(read(head(['Host: t', 'Connection: close, upgrade'])), null);
    assert.equal(read(head(['Host: t', 'Connection: close x'])), null);
    assert.equal(read(head(['Host: t', 'Connection: "close"'])), null);
  });

  test('HTTP/1.1 without a Host, or with two, is left to node:http (its 400)', () => {
    assert.equal(read(head(['Connection: close'])), null);
    assert.equal(read(head(['Host: a', 'Host: b', 'Connection: close'])), null);
  });

  test('anything that brings a body, an upgrade or an interim reply is refused', () => {
    for (const h of [
      'Content-Length: 0',
      'Transfer-Encoding: chunked',
      'Upgrade: websocket',
      'Expect: 100-continue',
    ]) {
      assert.equal(read(head(['Host: t', h, 'Connection: close'])), null, h);
      assert.equal(read(head([h.toUpperCase()], TARGET, '1.0')), null, h);
    }
  });

  test('other methods, versions and target forms are refused', () => {
    const ok = ['Host: t', 'Connection: close'];
    assert.equal(read(head(ok)), 'close');
    assert.equal(read(head(ok).replace('GET', 'HEAD')), null);
    assert.equal(read(head(ok).replace('GET', 'get')), null);
    assert.equal(read(head(ok).replace('GET ', 'GET  ')), null);
    assert.equal(read(head(ok, TARGET, '2.0')), null);
    assert.equal(read(head(ok, TARGET, '1.2')), null);
    assert.equal(read(head(ok).replace('HTTP/1.1', 'http/1.1')), null);
    assert.equal(read(head(ok, 'http://t/announce')), null);
    assert.equal(read(head(ok, '*')), null);
  });

  test('a target byte outside visible ASCII is refused', () => {
    const ok = ['Host: t', 'Connection: close'];
    for (const c of [0x00, 0x09, 0x7f, 0x80, 0xff]) {
      assert.equal(read(head(ok, `/announce?a=${String.fromCharCode(c)}`)), null, `byte ${c}`);
    }
  });

  test('malformed header lines are refused', () => {
    const bad = [
      'Host : t', // whitespace before the colon
      ': t', // no name
      ' folded', // obs-fold continuation
      'Ho\u0000st: t', // control byte in the name
      'X-A: b\u0000c', // control byte in the value
      'X-A: b\rc', // bare CR
      'NoColon',
    ];
    for (const line of bad) assert.equal(read(head(['Host: t', line, 'Connection: close'])), null, line);
    // obs-text in a value is allowed, as node:http allows it.
    assert.equal(read(head(['Host: t', 'X-A: caf\u00e9', 'Connection: close'])), 'close');
  });

  test('a head cut short anywhere, or with bare-LF line ends, is refused', () => {
    const full = head(['Host: t', 'Connection: close']);
    const r = new HeadReader();
    for (let n = 0; n < full.length; n++) {
      const b = Buffer.from(full.slice(0, n), 'latin1');
      assert.equal(r.read(b, 0, b.length, MAX), -1, `first ${n} bytes`);
    }
    assert.equal(read(full.replaceAll('\r\n', '\n')), null, 'LF line ends');
    assert.equal(read(full.replace(/\r\n\r\n$/, '\r\n\n')), null);
  });

  test('pipelined heads are read one after the other from where each ends', () => {
    const r = new HeadReader();
    const a = head(['Host: t'], '/announce?a=1');
    const b = head(['Host: t', 'Connection: close'], '/scrape?b=2');
    const buf = Buffer.from(`${a}${b}GET /partial`, 'latin1');
    const first = r.read(buf, 0, buf.length, MAX);
    assert.equal(first, a.length);
    assert.equal(buf.toString('latin1', r.targetStart, r.targetEnd), '/announce?a=1');
    assert.equal(r.closes, false);
    const second = r.read(buf, first, buf.length, MAX);
    assert.equal(second, a.length + b.length);
    assert.equal(buf.toString('latin1', r.targetStart, r.targetEnd), '/scrape?b=2');
    assert.equal(r.closes, true);
    assert.equal(r.read(buf, second, buf.length, MAX), -1, 'the partial third');
  });

  test('read() looks only at buf[start, end), and at most max bytes of it', () => {
    const r = new HeadReader();
    const full = Buffer.from(head(['Host: t', 'Connection: close']), 'latin1');
    const padded = Buffer.concat([Buffer.from('xx'), full, Buffer.from('garbage')]);
    assert.equal(r.read(padded, 2, 2 + full.length, MAX), 2 + full.length);
    assert.equal(r.read(padded, 2, 1 + full.length, MAX), -1);
    assert.equal(r.read(full, 0, full.length, full.length), full.length);
    assert.equal(r.read(full, 0, full.length, full.length - 1), -1, 'one byte over max');
  });

  test('X-Forwarded-For lines come back trimmed and joined as node:http joins them', () => {
    const r = new HeadReader();
    const b = Buffer.from(
      head(['Host: t', 'X-Forwarded-For:  10.0.0.1, 10.0.0.2 ', 'Connection: close', 'x-forwarded-for: ::1']),
      'latin1',
    );
    assert.equal(r.read(b, 0, b.length, MAX), b.length);
    assert.equal(r.forwardedFor(b), '10.0.0.1, 10.0.0.2, ::1');
    // The fields are reset by the next read.
    const plain = Buffer.from(head(['Host: t', 'Connection: close']), 'latin1');
    assert.equal(r.read(plain, 0, plain.length, MAX), plain.length);
    assert.equal(r.forwardedFor(plain), undefined);
  });

  test('more X-Forwarded-For lines than it keeps are refused, not cut', () => {
    const lines = ['Host: t', 'Connection: close'];
    for (let i = 0; i < 8; i++) lines.push(`X-Forwarded-For: 10.0.0.${i}`);
    assert.equal(read(head(lines)), 'close');
    lines.push('X-Forwarded-For: 10.0.0.9');
    assert.equal(read(head(lines)), null);
  });
});
