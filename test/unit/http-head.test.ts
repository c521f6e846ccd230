// Byte-level tests of the one-shot request head reader: what it takes (a plain GET that
// closes) and everything it must leave to node:http.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeadReader } from '../../app/protocol/http-head.ts';

const TARGET = '/announce?info_hash=%00%ff&port=1';

function read(text: string, r = new HeadReader()): boolean {
  const b = Buffer.from(text, 'latin1');
  return r.read(b, b.length);
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
    assert.equal(r.read(b, b.length), true);
    assert.equal(b.toString('latin1', r.targetStart, r.targetEnd), TARGET);
    assert.equal(r.forwardedFor(b), undefined);
  });

  test('header names and Connection tokens in any case, with optional whitespace and lists', () => {
    assert.equal(read(head(['HOST:t', 'CONNECTION:  Close  '])), true);
    assert.equal(read(head(['host: t', 'connection: TE, close'])), true);
    assert.equal(read(head(['Host: t', 'Connection: ,close,'])), true);
    assert.equal(read(head(['Host: t', 'Connection: close\t'])), true);
  });

  test('HTTP/1.0 closes unless it asks for keep-alive; a Host is not required', () => {
    assert.equal(read(head([], TARGET, '1.0')), true);
    assert.equal(read(head(['User-Agent: x'], TARGET, '1.0')), true);
    assert.equal(read(head(['Connection: keep-alive'], TARGET, '1.0')), false);
    assert.equal(read(head(['Connection: Keep-Alive'], TARGET, '1.0')), false);
  });

  test('keep-alive HTTP/1.1 (the default) and ambiguous Connection values are refused', () => {
    assert.equal(read(head(['Host: t'])), false);
    assert.equal(read(head(['Host: t', 'Connection: keep-alive'])), false);
    assert.equal(read(head(['Host: t', 'Connection: close, keep-alive'])), false);
    assert.equal(read(head(['Host: t', 'Connection: close, upgrade'])), false);
    assert.equal(read(head(['Host: t', 'Connection: clos'])), false);
    assert.equal(read(head(['Host: t', 'Connection: close x'])), false);
    assert.equal(read(head(['Host: t', 'Connection: "close"'])), false);
  });

  test('HTTP/1.1 without a Host, or with two, is left to node:http (its 400)', () => {
    assert.equal(read(head(['Connection: close'])), false);
    assert.equal(read(head(['Host: a', 'Host: b', 'Connection: close'])), false);
  });

  test('anything that brings a body, an upgrade or an interim reply is refused', () => {
    for (const h of [
      'Content-Length: 0',
      'Transfer-Encoding: chunked',
      'Upgrade: websocket',
      'Expect: 100-continue',
    ]) {
      assert.equal(read(head(['Host: t', h, 'Connection: close'])), false, h);
      assert.equal(read(head([h.toUpperCase()], TARGET, '1.0')), false, h);
    }
  });

  test('other methods, versions and target forms are refused', () => {
    const ok = ['Host: t', 'Connection: close'];
    assert.equal(read(head(ok)), true);
    assert.equal(read(head(ok).replace('GET', 'HEAD')), false);
    assert.equal(read(head(ok).replace('GET', 'get')), false);
    assert.equal(read(head(ok).replace('GET ', 'GET  ')), false);
    assert.equal(read(head(ok, TARGET, '2.0')), false);
    assert.equal(read(head(ok, TARGET, '1.2')), false);
    assert.equal(read(head(ok).replace('HTTP/1.1', 'http/1.1')), false);
    assert.equal(read(head(ok, 'http://t/announce')), false);
    assert.equal(read(head(ok, '*')), false);
  });

  test('a target byte outside visible ASCII is refused', () => {
    const ok = ['Host: t', 'Connection: close'];
    for (const c of [0x00, 0x09, 0x7f, 0x80, 0xff]) {
      assert.equal(read(head(ok, `/announce?a=${String.fromCharCode(c)}`)), false, `byte ${c}`);
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
    for (const line of bad) assert.equal(read(head(['Host: t', line, 'Connection: close'])), false, line);
    // obs-text in a value is allowed, as node:http allows it.
    assert.equal(read(head(['Host: t', 'X-A: caf\u00e9', 'Connection: close'])), true);
  });

  test('only a whole head that ends the buffer: partial, bare-LF or pipelined input is refused', () => {
    const full = head(['Host: t', 'Connection: close']);
    for (let n = 0; n < full.length; n++) assert.equal(read(full.slice(0, n)), false, `first ${n} bytes`);
    assert.equal(read(full + full), false, 'two requests');
    assert.equal(read(`${full}x`), false, 'a byte after the head');
    assert.equal(read(full.replaceAll('\r\n', '\n')), false, 'LF line ends');
    assert.equal(read(full.replace(/\r\n\r\n$/, '\r\n\n')), false);
  });

  test('read() looks only at buf[0, end)', () => {
    const r = new HeadReader();
    const full = Buffer.from(head(['Host: t', 'Connection: close']), 'latin1');
    const padded = Buffer.concat([full, Buffer.from('garbage')]);
    assert.equal(r.read(padded, full.length), true);
    assert.equal(r.read(padded, full.length - 1), false);
  });

  test('X-Forwarded-For lines come back trimmed and joined as node:http joins them', () => {
    const r = new HeadReader();
    const b = Buffer.from(
      head(['Host: t', 'X-Forwarded-For:  10.0.0.1, 10.0.0.2 ', 'Connection: close', 'x-forwarded-for: ::1']),
      'latin1',
    );
    assert.equal(r.read(b, b.length), true);
    assert.equal(r.forwardedFor(b), '10.0.0.1, 10.0.0.2, ::1');
    // The fields are reset by the next read.
    const plain = Buffer.from(head(['Host: t', 'Connection: close']), 'latin1');
    assert.equal(r.read(plain, plain.length), true);
    assert.equal(r.forwardedFor(plain), undefined);
  });

  test('more X-Forwarded-For lines than it keeps are refused, not cut', () => {
    const lines = ['Host: t', 'Connection: close'];
    for (let i = 0; i < 8; i++) lines.push(`X-Forwarded-For: 10.0.0.${i}`);
    assert.equal(read(head(lines)), true);
    lines.push('X-Forwarded-For: 10.0.0.9');
    assert.equal(read(head(lines)), false);
  });
});
