// One test per failure reason, over real HTTP from 127.0.0.1 and ::1: the exact words,
// `retry in: never` exactly where a retry cannot help (BEP 31), always HTTP 200 and
// text/plain (clients only read `failure reason` from a 200). A last test checks that
// every reason in app/bittorrent/failures.ts is covered here, so a new one needs a test.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as failures from '../../app/bittorrent/failures.ts';
import { FAIL_TOO_MANY_HASHES, type Failure } from '../../app/bittorrent/failures.ts';
import type { Service } from '../../app/service.ts';
import { pct } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { DownStore } from '../helpers/later-store.ts';
import { startTestService, type TestServiceOptions } from '../helpers/service.ts';
import {
  type AnnounceParams,
  announce,
  announcePath,
  failure,
  freshHash,
  HOSTS,
  scrapePath,
} from './util.ts';

/** Names of the failures.ts exports this file has a test for. */
const covered = new Set<string>();

let svc: Service;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.close();
});

const base = (): AnnounceParams => ({ hash: freshHash(), id: peerId(1), port: 6881 });
/** A valid announce query with one parameter replaced (or removed with value null). */
function withParam(name: string, value: string | null): string {
  const [, query] = announcePath(base()).split('?');
  const parts = query!.split('&').filter((p) => !p.startsWith(`${name}=`));
  if (value !== null) parts.push(`${name}=${value}`);
  return `/announce?${parts.join('&')}`;
}

async function expectFailure(
  target: Service,
  path: string | ((host: string) => string),
  want: Failure | { reason: string; never: boolean; retryIn?: number },
  hosts: readonly string[] = HOSTS,
): Promise<void> {
  for (const host of hosts) {
    const p = typeof path === 'string' ? path : path(host);
    const got = await failure(target, host, p);
    assert.equal(got.reason, want.reason, `${host} ${p.slice(0, 120)}`);
    assert.equal(got.never, want.never, `retry in: never ${want.never ? 'missing' : 'unexpected'} (${host})`);
    const retryIn = want.retryIn ?? 0;
    assert.equal(got.retryIn, retryIn, `retry in minutes (${host})`);
    assert.deepEqual(
      got.keys,
      want.never || retryIn > 0 ? ['failure reason', 'retry in'] : ['failure reason'],
    );
  }
}

async function withService(opts: TestServiceOptions, fn: (s: Service) => Promise<void>): Promise<void> {
  const s = await startTestService(opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe('announce failure reasons', () => {
  // Bad values of one parameter (null: left out), each refused with its own reason.
  const badParams: [want: Failure, param: string, values: (string | null)[]][] = [
    // Missing, 19 and 21 bytes, and 20 characters that decode to only 18 bytes.
    [
      failures.FAIL_INFO_HASH,
      'info_hash',
      [null, pct(Buffer.alloc(19, 1)), pct(Buffer.alloc(21, 1)), `${'a'.repeat(17)}%41`],
    ],
    [failures.FAIL_PEER_ID, 'peer_id', [null, 'short', 'x'.repeat(21)]],
    [failures.FAIL_PORT, 'port', [null, '0', '65536', '-1', 'abc', '', '1e3', '80.5', '%2B80']],
    [failures.FAIL_UPLOADED, 'uploaded', ['-1', 'x', '', '1.5', '99999999999999999999']],
    [failures.FAIL_DOWNLOADED, 'downloaded', ['-1', 'x', '', '0x10']],
    [failures.FAIL_LEFT, 'left', ['-1', 'lots', '']],
    [failures.FAIL_NUMWANT, 'numwant', ['-1', 'many', '']],
    [failures.FAIL_EVENT, 'event', ['start', 'STARTED', 'completed+', 'stopped%00', 'x']],
  ];
  for (const [want, param, values] of badParams) {
    const name = Object.entries(failures).find(([, v]) => v === want)![0];
    test(`${name}: ${values.length} bad values of ${param}`, async () => {
      covered.add(name);
      for (const v of values) await expectFailure(svc, withParam(param, v), want);
    });
  }

  test('FAIL_TORRENT_LIMIT: a new torrent beyond db.maxTorrents (retrying later may work)', async () => {
    covered.add('FAIL_TORRENT_LIMIT');
    await withService({ env: { TRAKX_DB_MAXTORRENTS: '1' } }, async (s) => {
      const first = base();
      await announce(s, '127.0.0.1', first);
      await expectFailure(s, () => announcePath(base()), failures.FAIL_TORRENT_LIMIT);
      // The tracked torrent still works.
      await announce(s, '::1', { ...first, port: 7000 });
    });
  });

  test('FAIL_RATE: announces beyond limits.announceRate', async () => {
    covered.add('FAIL_RATE');
    await withService(
      { env: { TRAKX_LIMITS_ANNOUNCERATE: '0.001', TRAKX_LIMITS_ANNOUNCEBURST: '1' } },
      async (s) => {
        for (const host of HOSTS) {
          await announce(s, host, base());
          await expectFailure(s, announcePath(base()), failures.FAIL_RATE, [host]);
        }
      },
    );
  });

  test('FAIL_PEERS_PER_IP: a new peer beyond limits.peersPerIp from one address', async () => {
    covered.add('FAIL_PEERS_PER_IP');
    await withService({ env: { TRAKX_LIMITS_PEERSPERIP: '1' } }, async (s) => {
      const hash = freshHash();
      for (const host of HOSTS) {
        await announce(s, host, { hash, id: peerId(1), port: 1 });
        await expectFailure(s, announcePath({ hash, id: peerId(2), port: 2 }), failures.FAIL_PEERS_PER_IP, [
          host,
        ]);
      }
    });
  });

  test('FAIL_DENIED and FAIL_NOT_ALLOWED: the info_hash lists', async () => {
    covered.add('FAIL_DENIED');
    covered.add('FAIL_NOT_ALLOWED');
    const dir = mkdtempSync(join(tmpdir(), 'trakx-lists-'));
    const listed = freshHash();
    const other = freshHash();
    writeFileSync(join(dir, 'list.txt'), `# test list\n${listed.toString('hex')}\n`);
    await withService({ env: { TRAKX_LIMITS_DENYLIST: join(dir, 'list.txt') } }, async (s) => {
      await expectFailure(s, announcePath({ ...base(), hash: listed }), failures.FAIL_DENIED);
      await announce(s, '127.0.0.1', { ...base(), hash: other });
    });
    await withService({ env: { TRAKX_LIMITS_ALLOWLIST: join(dir, 'list.txt') } }, async (s) => {
      await expectFailure(s, announcePath({ ...base(), hash: other }), failures.FAIL_NOT_ALLOWED);
      await announce(s, '::1', { ...base(), hash: listed });
    });
  });

  for (const [why, path] of [
    ['malformed escape', '/announce?info_hash=%zz'],
    ['malformed escape', `${announcePath(base())}&key=%4`],
    ['malformed escape', `${announcePath(base())}&%`],
    ['too many parameters', `${announcePath(base())}${'&k'.repeat(300)}`],
    ['too long', `${announcePath(base())}&pad=${'x'.repeat(12_000)}`],
  ] as const) {
    test(`malformed query: ${why} (${path.slice(-12)})`, async () => {
      await expectFailure(svc, path, { reason: `malformed query: ${why}`, never: true });
      assert.deepEqual(failures.FAIL_QUERY(why), {
        reason: `malformed query: ${why}`,
        never: true,
        retryIn: 0,
      });
      covered.add('FAIL_QUERY');
    });
  }

  test('cannot tell the client address: a trusted proxy sends a malformed X-Forwarded-For', async () => {
    await withService({ env: { TRAKX_HTTP_TRUSTPROXY: '127.0.0.1' } }, async (s) => {
      for (const xff of ['not-an-ip', '1.2.3.4:80', '', '1.2.3.4, 300.1.1.1']) {
        const got = await failure(s, '127.0.0.1', announcePath(base()), {
          headers: { 'X-Forwarded-For': xff },
        });
        assert.deepEqual(got, {
          reason: 'cannot tell the client address',
          never: true,
          retryIn: 0,
          keys: ['failure reason', 'retry in'],
        });
      }
    });
  });
});

describe('scrape failure reasons', () => {
  test('FAIL_NO_HASHES', async () => {
    covered.add('FAIL_NO_HASHES');
    await expectFailure(svc, '/scrape', failures.FAIL_NO_HASHES);
    await expectFailure(svc, '/scrape?peer_id=x&info_hashes=y', failures.FAIL_NO_HASHES);
  });

  test('FAIL_INFO_HASH in a scrape: any hash that is not 20 bytes', async () => {
    await expectFailure(svc, `${scrapePath([freshHash()])}&info_hash=short`, failures.FAIL_INFO_HASH);
    await expectFailure(svc, '/scrape?info_hash', failures.FAIL_INFO_HASH);
  });

  test('FAIL_TOO_MANY_HASHES: more than scrape.maxHashes', async () => {
    covered.add('FAIL_TOO_MANY_HASHES');
    const hashes = Array.from({ length: 101 }, () => freshHash());
    await expectFailure(svc, scrapePath(hashes), FAIL_TOO_MANY_HASHES(100));
    await withService({ env: { TRAKX_SCRAPE_MAXHASHES: '2' } }, async (s) => {
      await expectFailure(s, scrapePath(hashes.slice(0, 3)), FAIL_TOO_MANY_HASHES(2));
      assert.equal(FAIL_TOO_MANY_HASHES(2).reason, 'too many info_hashes: at most 2 per scrape');
    });
  });

  test('malformed query in a scrape', async () => {
    await expectFailure(svc, '/scrape?info_hash=%G0', {
      reason: 'malformed query: malformed escape',
      never: true,
    });
  });
});

describe('the store fails', () => {
  test('FAIL_STORE: announce, stop and scrape get `retry in` 1 (minutes, BEP 31), not never', async () => {
    covered.add('FAIL_STORE');
    const store = new DownStore({ maxTorrents: 10, maxPeersPerTorrent: 10 });
    await withService({ parts: { store } }, async (s) => {
      await expectFailure(s, announcePath(base()), failures.FAIL_STORE);
      await expectFailure(s, announcePath({ ...base(), event: 'stopped' }), failures.FAIL_STORE);
      await expectFailure(s, scrapePath([freshHash(), freshHash()]), failures.FAIL_STORE);
    });
    assert.ok(store.failed >= 3 * HOSTS.length);
  });
});

test('every failure reason in app/bittorrent/failures.ts has a test above', () => {
  const all = Object.entries(failures)
    .filter(([, v]) => typeof v === 'function' || (typeof v === 'object' && v !== null && 'reason' in v))
    .map(([name]) => name)
    .sort();
  assert.ok(all.length >= 11);
  assert.deepEqual(
    all.filter((n) => !covered.has(n)),
    [],
    'failure reasons without a test in test/http/failures.test.ts',
  );
});
