// /heartbeat and the static pages: exactly /, /index.html and /dmca.html from app/web;
// every other path, including escapes out of app/web, is a plain 404.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { get } from '../helpers/http-client.ts';
import { startTestService } from '../helpers/service.ts';
import { HOSTS } from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.close();
});

const page = (name: string) => readFileSync(new URL(`../../app/web/${name}`, import.meta.url));

const NOT_FOUND = [
  '/app/web/index.html',
  '/web/',
  '/web/index.html',
  '/app/',
  '/../package.json',
  '/%2e%2e/package.json',
  '/%2E%2E/%2E%2E/etc/passwd',
  '/..%2fpackage.json',
  '/..%2f..%2fpackage.json',
  '/package.json',
  '/README.md',
  '/.env',
  '/.git/config',
  '/index.html/',
  '/index.htm',
  '/dmca',
  '/dmca.html/..',
  '/static/index.html',
  '/announce/',
  '/scrape/x',
  '/metrics.html',
  '/heartbeat/',
];

for (const host of HOSTS) {
  describe(`pages from ${host}`, () => {
    test('/heartbeat answers 200 ok', async () => {
      const res = await get(host, svc.httpPort, '/heartbeat');
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.equal(res.body.toString(), 'ok');
    });

    for (const [path, file] of [
      ['/', 'index.html'],
      ['/index.html', 'index.html'],
      ['/dmca.html', 'dmca.html'],
    ] as const) {
      test(`${path} serves app/web/${file}`, async () => {
        const res = await get(host, svc.httpPort, path);
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^text\/html/);
        assert.deepEqual(res.body, page(file));
      });
    }

    test('everything else is a plain 404, with no file content and no listing', async () => {
      for (const path of NOT_FOUND) {
        const res = await get(host, svc.httpPort, path);
        assert.equal(res.status, 404, path);
        assert.match(String(res.headers['content-type']), /^text\/plain/, path);
        assert.equal(res.body.toString(), 'not found', path);
      }
    });
  });
}
