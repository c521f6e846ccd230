// Configuration: every source and its precedence (defaults → trakx.yaml → TRAKX_* →
// PORT), the default file written on first run (equal to the schema defaults, so
// default-yaml.ts and schema.ts cannot drift apart), durations, env names, lists,
// the computed db.expiry, unknown keys, and error messages that name the key, the
// value and what is allowed. Each test uses its own temporary home and cwd.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_YAML } from '../../app/config/default-yaml.ts';
import { parseDuration } from '../../app/config/duration.ts';
import {
  ConfigError,
  configLeaves,
  defaultConfigPath,
  expandHome,
  type LoadOptions,
  loadConfig,
} from '../../app/config/load.ts';
import type { Config } from '../../app/config/types.ts';
import { editDistance, unknownSettingMessage } from '../../app/config/unknown-env.ts';

function dirs(): { home: string; cwd: string } {
  const root = mkdtempSync(join(tmpdir(), 'trakx-config-'));
  const home = join(root, 'home');
  const cwd = join(root, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  return { home, cwd };
}

function load(opts: LoadOptions & { env?: Record<string, string> } = {}): Config {
  const d = dirs();
  return loadConfig({ home: d.home, cwd: d.cwd, writeDefault: false, env: {}, ...opts }).config;
}

function get(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
    assert.ok(!err.message.includes('\n'), `a config error is one line: ${JSON.stringify(err.message)}`);
    return err;
  }
  assert.fail('no ConfigError was thrown');
}

/** The value the loader should produce for a leaf left at its schema default. */
function expectedDefault(
  key: string,
  node: { default?: unknown; duration?: boolean },
  home: string,
): unknown {
  if (key === 'db.expiry') return 1800 + 300 + 300; // 0 = announce.base + announce.fuzz + 5m
  if (key === 'workers') return availableParallelism(); // 0 = one per core
  if (node.duration) return parseDuration(node.default);
  if (typeof node.default === 'string') return expandHome(node.default, home);
  return node.default;
}

describe('defaults', () => {
  test('with no file and no environment every key has its schema default', () => {
    const { home, cwd } = dirs();
    const { config, file } = loadConfig({ env: {}, home, cwd, writeDefault: false });
    assert.equal(file, undefined);
    for (const leaf of configLeaves()) {
      assert.deepEqual(get(config, leaf.key), expectedDefault(leaf.key, leaf.node, home), leaf.key);
    }
    // A few spelled out, so the test also fails if the schema itself loses them.
    assert.equal(config.http.port, 1337);
    assert.equal(config.http.ip, '::');
    assert.deepEqual(config.http.trustProxy, []);
    assert.equal(config.announce.base, 1800);
    assert.equal(config.announce.fuzz, 300);
    assert.equal(config.numwant.default, 50);
    assert.equal(config.numwant.limit, 200);
    assert.equal(config.scrape.maxHashes, 100);
    assert.equal(config.db.expiry, 2400);
  });

  test('every leaf has a default and a description; env names are TRAKX_ + the path', () => {
    const seen = new Set<string>();
    for (const leaf of configLeaves()) {
      assert.ok(leaf.node.default !== undefined, `${leaf.key} has no default`);
      assert.ok((leaf.node.description ?? '').length > 5, `${leaf.key} has no description`);
      assert.equal(leaf.env, `TRAKX_${leaf.key.replaceAll('.', '_').toUpperCase()}`);
      assert.ok(!seen.has(leaf.env), `two keys share ${leaf.env}`);
      seen.add(leaf.env);
    }
    assert.ok(seen.has('TRAKX_DB_MAXPEERSPERTORRENT'));
    assert.ok(seen.has('TRAKX_HTTP_TRUSTPROXY'));
  });
});

describe('the default trakx.yaml', () => {
  test('is written to <home>/.config/trakx/trakx.yaml on first run', () => {
    const { home, cwd } = dirs();
    const { file } = loadConfig({ env: {}, home, cwd });
    const path = join(home, '.config', 'trakx', 'trakx.yaml');
    assert.equal(file, path);
    assert.equal(defaultConfigPath(home), path);
    assert.equal(readFileSync(path, 'utf8'), DEFAULT_YAML);
  });

  test('holds exactly the schema’s keys, each at the schema default', () => {
    const parsed = parseYaml(DEFAULT_YAML) as Record<string, unknown>;
    const leaves = configLeaves();
    const yamlLeaves: string[] = [];
    const walk = (o: Record<string, unknown>, prefix: string) => {
      for (const [k, v] of Object.entries(o)) {
        const key = prefix ? `${prefix}.${k}` : k;
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
        else yamlLeaves.push(key);
      }
    };
    walk(parsed, '');
    assert.deepEqual(
      yamlLeaves.sort(),
      leaves.map((l) => l.key).sort(),
      'same keys in default-yaml.ts and schema.ts',
    );
    for (const leaf of leaves) {
      const inYaml = get(parsed, leaf.key);
      if (leaf.node.duration) {
        assert.equal(parseDuration(inYaml), parseDuration(leaf.node.default), `${leaf.key}: ${inYaml}`);
      } else {
        assert.deepEqual(inYaml, leaf.node.default, leaf.key);
      }
    }
  });

  test('loads to exactly the same config as the embedded defaults', () => {
    const { home, cwd } = dirs();
    const fromFile = loadConfig({ env: {}, home, cwd });
    assert.ok(fromFile.file);
    const embedded = loadConfig({
      env: {},
      home,
      cwd: dirs().cwd,
      writeDefault: false,
      configPath: '/dev/null',
    });
    assert.deepEqual(fromFile.config, embedded.config);
  });

  test('is not overwritten once it exists: an edit there is read', () => {
    const { home, cwd } = dirs();
    loadConfig({ env: {}, home, cwd });
    const path = defaultConfigPath(home);
    writeFileSync(path, 'http:\n  port: 4242\n');
    const { config, file } = loadConfig({ env: {}, home, cwd });
    assert.equal(file, path);
    assert.equal(config.http.port, 4242);
    assert.equal(readFileSync(path, 'utf8'), 'http:\n  port: 4242\n');
  });

  test('writeDefault: false writes nothing', () => {
    const { home, cwd } = dirs();
    loadConfig({ env: {}, home, cwd, writeDefault: false });
    assert.equal(existsSync(defaultConfigPath(home)), false);
  });
});

describe('sources and precedence', () => {
  test('./trakx.yaml in the working directory is read before the home file', () => {
    const { home, cwd } = dirs();
    mkdirSync(join(home, '.config', 'trakx'), { recursive: true });
    writeFileSync(defaultConfigPath(home), 'http:\n  port: 1111\nloglevel: debug\n');
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  port: 2222\n');
    const { config, file } = loadConfig({ env: {}, home, cwd });
    assert.equal(file, join(cwd, 'trakx.yaml'));
    assert.equal(config.http.port, 2222);
    assert.equal(config.loglevel, 'info', 'one file is read, not a merge of both');
  });

  test('--config FILE wins over ./trakx.yaml, relative to the working directory', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  port: 2222\n');
    mkdirSync(join(cwd, 'etc'));
    writeFileSync(join(cwd, 'etc', 'mine.yaml'), 'http:\n  port: 3333\nnumwant:\n  default: 9\n');
    const { config, file } = loadConfig({ env: {}, home, cwd, configPath: 'etc/mine.yaml' });
    assert.equal(file, join(cwd, 'etc', 'mine.yaml'));
    assert.equal(config.http.port, 3333);
    assert.equal(config.numwant.default, 9);
    assert.equal(existsSync(defaultConfigPath(home)), false, 'no default file written with --config');
  });

  test('--config naming a missing file is an error', () => {
    const { home, cwd } = dirs();
    const err = configError(() => loadConfig({ env: {}, home, cwd, configPath: 'nope.yaml' }));
    assert.equal(err.key, '--config');
    assert.match(err.message, /nope\.yaml/);
  });

  test('TRAKX_* environment wins over the file; PORT wins over TRAKX_HTTP_PORT', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  port: 2222\nloglevel: debug\nnumwant:\n  limit: 300\n');
    const c1 = loadConfig({ env: { TRAKX_HTTP_PORT: '4444' }, home, cwd }).config;
    assert.equal(c1.http.port, 4444);
    assert.equal(c1.loglevel, 'debug', 'keys not in the environment come from the file');
    assert.equal(c1.numwant.limit, 300);
    const c2 = loadConfig({ env: { TRAKX_HTTP_PORT: '4444', PORT: '5555' }, home, cwd }).config;
    assert.equal(c2.http.port, 5555);
    const c3 = loadConfig({ env: { PORT: '6666' }, home, cwd }).config;
    assert.equal(c3.http.port, 6666);
    assert.equal(c3.udp.port, 1337, 'PORT is the HTTP port only');
  });

  test('an empty environment variable counts as unset', () => {
    const c = load({ env: { TRAKX_HTTP_PORT: '', PORT: '', TRAKX_LOGLEVEL: '' } });
    assert.equal(c.http.port, 1337);
    assert.equal(c.loglevel, 'info');
  });

  test('every key can be set from the environment under its TRAKX_ name', () => {
    for (const leaf of configLeaves()) {
      const d = leaf.node.default;
      // A different valid value per type.
      let value: string;
      let expected: unknown;
      if (leaf.node.enum) {
        value = leaf.node.enum.find((v) => v !== d)!;
        expected = value;
      } else if (leaf.node.duration) {
        const s = Math.min((leaf.node.minimum ?? 0) + 61, leaf.node.maximum ?? Number.POSITIVE_INFINITY);
        value = `${s}s`;
        expected = s;
      } else if (leaf.node.type === 'boolean') {
        value = String(!d);
        expected = !d;
      } else if (leaf.node.type === 'array') {
        value = '10.0.0.1, 10.0.0.0/8';
        expected = ['10.0.0.1', '10.0.0.0/8'];
      } else if (leaf.node.type === 'integer' || leaf.node.type === 'number') {
        const min = leaf.node.minimum ?? 0;
        const n = Math.min(min + 2, leaf.node.maximum ?? Number.POSITIVE_INFINITY);
        value = String(n);
        expected = n;
      } else if (leaf.node.hexSecret) {
        value = 'ab'.repeat(leaf.node.hexSecret);
        expected = value;
      } else if (leaf.key.endsWith('ip')) {
        value = '127.0.0.2';
        expected = value;
      } else {
        value = '/tmp/trakx-env-test/file';
        expected = value;
      }
      const env: Record<string, string> = { [leaf.env]: value };
      // Keep cross-key rules satisfied.
      if (leaf.key === 'numwant.default') env.TRAKX_NUMWANT_LIMIT = '1000';
      if (leaf.key === 'numwant.limit') env.TRAKX_NUMWANT_DEFAULT = '1';
      if (leaf.key === 'db.type') env.TRAKX_UDP_CONNECTIONS_SECRET = 'ab'.repeat(16);
      const c = load({ env });
      assert.deepEqual(get(c, leaf.key), expected, `${leaf.env}=${value}`);
    }
  });

  test('nested names: TRAKX_DB_MAXPEERSPERTORRENT, TRAKX_DB_BACKUP_INTERVAL, TRAKX_UDP_CONNECTIONS_EXPIRY', () => {
    const c = load({
      env: {
        TRAKX_DB_MAXPEERSPERTORRENT: '7',
        TRAKX_DB_BACKUP_INTERVAL: '0',
        TRAKX_UDP_CONNECTIONS_EXPIRY: '10m',
        TRAKX_LOGLEVEL: 'debug',
      },
    });
    assert.equal(c.db.maxPeersPerTorrent, 7);
    assert.equal(c.db.backup.interval, 0);
    assert.equal(c.udp.connections.expiry, 600);
    assert.equal(c.loglevel, 'debug');
  });
});

describe('unknown TRAKX_* variables', () => {
  const unknown = (env: Record<string, string>) => {
    const d = dirs();
    return loadConfig({ home: d.home, cwd: d.cwd, writeDefault: false, env }).unknownEnv;
  };

  test('a typo is ignored and named with the closest known key', () => {
    const found = unknown({ TRAKX_HTTP_PROT: '8080', TRAKX_UDP_PORT: '7000' });
    assert.deepEqual(found, [{ name: 'TRAKX_HTTP_PROT', closest: 'TRAKX_HTTP_PORT' }]);
    assert.equal(
      unknownSettingMessage(found[0]),
      'unknown setting TRAKX_HTTP_PROT ignored; did you mean TRAKX_HTTP_PORT?',
    );
    const d = dirs();
    const c = loadConfig({ home: d.home, cwd: d.cwd, writeDefault: false, env: { TRAKX_HTTP_PROT: '8080' } });
    assert.equal(c.config.http.port, 1337, 'the typo changes nothing');
  });

  test('each unknown name, in name order, even when empty; a key of another version too', () => {
    assert.deepEqual(unknown({ TRAKX_LOGLEVL: 'debug', TRAKX_DB_MAXTORRENT: '', TRAKX_UDP_WORKERS: '4' }), [
      { name: 'TRAKX_DB_MAXTORRENT', closest: 'TRAKX_DB_MAXTORRENTS' },
      { name: 'TRAKX_LOGLEVL', closest: 'TRAKX_LOGLEVEL' },
      { name: 'TRAKX_UDP_WORKERS', closest: 'TRAKX_WORKERS' },
    ]);
  });

  test('every key, other variables and the TRAKX_* names the project itself uses are not warned about', () => {
    const env: Record<string, string> = {
      PORT: '1',
      HOME: '/tmp',
      trakx_http_prot: '1',
      TRAKX_STATS_URL: 'x',
    };
    for (const leaf of configLeaves()) env[leaf.env] = '';
    assert.deepEqual(unknown(env), []);
  });

  test('edit distance', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('PROT', 'PORT'), 2);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('abc', ''), 3);
  });
});

describe('value forms', () => {
  test('durations: 90s, 30m, 1h, combinations and bare seconds, from YAML and environment', () => {
    const { home, cwd } = dirs();
    writeFileSync(
      join(cwd, 'trakx.yaml'),
      'announce:\n  base: 1h\n  fuzz: 90s\n  min: 120\ndb:\n  trim: 1m30s\n  expiry: 2h\n',
    );
    const c = loadConfig({ env: {}, home, cwd }).config;
    assert.deepEqual(c.announce, { base: 3600, fuzz: 90, min: 120 });
    assert.equal(c.db.trim, 90);
    assert.equal(c.db.expiry, 7200);
    const e = load({ env: { TRAKX_ANNOUNCE_BASE: '20m', TRAKX_ANNOUNCE_FUZZ: '0', TRAKX_DB_TRIM: '45' } });
    assert.equal(e.announce.base, 1200);
    assert.equal(e.announce.fuzz, 0);
    assert.equal(e.db.trim, 45);
  });

  test('db.expiry defaults to announce.base + announce.fuzz + 5m, and can be set', () => {
    assert.equal(load().db.expiry, 2400);
    assert.equal(
      load({ env: { TRAKX_ANNOUNCE_BASE: '20m', TRAKX_ANNOUNCE_FUZZ: '1m' } }).db.expiry,
      1200 + 60 + 300,
    );
    assert.equal(load({ env: { TRAKX_DB_EXPIRY: '1h' } }).db.expiry, 3600);
  });

  test('workers: 0 (the default) is one per core; a bad value stops start-up naming the key', () => {
    assert.equal(load().workers, availableParallelism());
    assert.equal(load({ env: { TRAKX_WORKERS: '3' } }).workers, 3);
    assert.equal(load({ env: { TRAKX_WORKERS: '1' } }).workers, 1);
    for (const bad of ['-1', '1.5', 'many', '257']) {
      const err = configError(() => load({ env: { TRAKX_WORKERS: bad } }));
      assert.equal(err.key, 'workers', bad);
      assert.match(err.message, /TRAKX_WORKERS/);
    }
  });

  test('http.trustProxy: a comma list in the environment, a YAML list in the file', () => {
    const c = load({ env: { TRAKX_HTTP_TRUSTPROXY: ' 127.0.0.1 , 10.0.0.0/8,,::1, 2001:db8::/32 ' } });
    assert.deepEqual(c.http.trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32']);
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  trustProxy:\n    - 192.168.0.0/16\n    - fd00::1\n');
    assert.deepEqual(loadConfig({ env: {}, home, cwd }).config.http.trustProxy, [
      '192.168.0.0/16',
      'fd00::1',
    ]);
  });

  test('booleans from the environment', () => {
    assert.equal(load({ env: { TRAKX_HTTP_ENABLED: 'false' } }).http.enabled, false);
    assert.equal(load({ env: { TRAKX_UDP_ENABLED: 'true' } }).udp.enabled, true);
  });

  test('~ in paths is the home directory', () => {
    const { home, cwd } = dirs();
    const c = loadConfig({ env: { TRAKX_PATH_PID: '~/run/t.pid' }, home, cwd, writeDefault: false }).config;
    assert.equal(c.path.pid, join(home, 'run', 't.pid'));
    assert.equal(c.db.backup.path, join(home, '.cache', 'trakx', 'trakx.db'));
  });

  test('an empty YAML file means defaults', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), '# nothing here\n');
    assert.equal(loadConfig({ env: {}, home, cwd }).config.http.port, 1337);
  });
});

describe('errors name the key, the value and what is allowed', () => {
  const cases: { env: Record<string, string>; key: string; value: string; allowed: RegExp }[] = [
    {
      env: { TRAKX_HTTP_PORT: '70000' },
      key: 'http.port',
      value: '"70000"',
      allowed: /integer from 1 to 65535/,
    },
    { env: { TRAKX_HTTP_PORT: '0' }, key: 'http.port', value: '"0"', allowed: /integer from 1 to 65535/ },
    {
      env: { TRAKX_HTTP_PORT: 'http' },
      key: 'http.port',
      value: '"http"',
      allowed: /integer from 1 to 65535/,
    },
    { env: { PORT: '99999' }, key: 'http.port', value: '"99999"', allowed: /integer from 1 to 65535/ },
    {
      env: { TRAKX_LOGLEVEL: 'loud' },
      key: 'loglevel',
      value: '"loud"',
      allowed: /one of trace, debug, info/,
    },
    { env: { TRAKX_HTTP_ENABLED: 'maybe' }, key: 'http.enabled', value: '"maybe"', allowed: /true or false/ },
    {
      env: { TRAKX_ANNOUNCE_BASE: '30s' },
      key: 'announce.base',
      value: '"30s"',
      allowed: /duration.*at least 60/,
    },
    {
      env: { TRAKX_ANNOUNCE_BASE: 'soon' },
      key: 'announce.base',
      value: '"soon"',
      allowed: /duration such as 90s/,
    },
    { env: { TRAKX_NUMWANT_LIMIT: '0' }, key: 'numwant.limit', value: '"0"', allowed: /from 1 to 1000/ },
    {
      env: { TRAKX_DB_MAXPEERSPERTORRENT: '-5' },
      key: 'db.maxPeersPerTorrent',
      value: '"-5"',
      allowed: /integer from 1 to 16777215/,
    },
    {
      env: { TRAKX_DB_MAXTORRENTS: '16777216' },
      key: 'db.maxTorrents',
      value: '"16777216"',
      allowed: /integer from 1 to 16777215/,
    },
    {
      env: { TRAKX_NUMWANT_DEFAULT: '300' },
      key: 'numwant.default',
      value: '300',
      allowed: /numwant\.limit/,
    },
    {
      env: { TRAKX_HTTP_TRUSTPROXY: '127.0.0.1,proxy.local' },
      key: 'http.trustProxy',
      value: '"proxy.local"',
      allowed: /expected an IP address or CIDR such as 10\.0\.0\.0\/8/,
    },
    {
      env: { TRAKX_HTTP_TRUSTPROXY: '10.0.0.0/33' },
      key: 'http.trustProxy',
      value: '"10.0.0.0/33"',
      allowed: /CIDR/,
    },
  ];
  for (const c of cases) {
    test(`${Object.entries(c.env)[0].join('=')}`, () => {
      const err = configError(() => load({ env: c.env }));
      assert.equal(err.key, c.key);
      assert.ok(err.message.includes(c.key), err.message);
      assert.ok(err.message.includes(c.value), `${err.message} does not show ${c.value}`);
      assert.match(err.message, c.allowed);
    });
  }

  test('an environment value says which variable it came from', () => {
    const err = configError(() => load({ env: { TRAKX_HTTP_PORT: '70000' } }));
    assert.match(err.message, /TRAKX_HTTP_PORT/);
  });

  test('listen addresses must be IP literals (a host name would fail only at bind time)', () => {
    for (const [name, key] of [
      ['TRAKX_HTTP_IP', 'http.ip'],
      ['TRAKX_UDP_IP', 'udp.ip'],
      ['TRAKX_METRICS_IP', 'metrics.ip'],
    ] as const) {
      const err = configError(() => load({ env: { [name]: 'nonsense' } }));
      assert.equal(err.key, key);
      assert.match(err.message, /"nonsense" is not allowed; expected an IP address/);
    }
    assert.equal(load({ env: { TRAKX_HTTP_IP: '0.0.0.0', TRAKX_UDP_IP: '::1' } }).udp.ip, '::1');
  });

  test('a bad value in the YAML file', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  port: lots\n');
    const err = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.equal(err.key, 'http.port');
    assert.match(err.message, /"lots".*integer from 1 to 65535/);
  });

  test('unknown keys are refused, with the keys allowed there', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'htpp:\n  port: 1\n');
    const top = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.equal(top.key, 'htpp');
    assert.match(top.message, /unknown key.*http/);
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  prot: 1\n');
    const nested = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.equal(nested.key, 'http.prot');
    assert.match(nested.message, /allowed here: enabled, ip, port, trustProxy/);
    writeFileSync(join(cwd, 'trakx.yaml'), 'db:\n  backup:\n    intervall: 1m\n');
    assert.equal(configError(() => loadConfig({ env: {}, home, cwd })).key, 'db.backup.intervall');
  });

  test('a section that is not a mapping', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'http: 8080\n');
    const err = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.equal(err.key, 'http');
    assert.match(err.message, /8080 is not allowed; expected a mapping of enabled, ip, port, trustProxy/);
  });

  test('a bad list item is reported on its list', () => {
    const { home, cwd } = dirs();
    writeFileSync(join(cwd, 'trakx.yaml'), 'http:\n  trustProxy:\n    - [nested]\n');
    const err = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.equal(err.key, 'http.trustProxy');
    assert.match(err.message, /expected a list/);
  });

  test('every numeric key below its minimum: the message states the range', () => {
    for (const leaf of configLeaves()) {
      const { type, minimum, maximum, duration } = leaf.node;
      if ((type !== 'integer' && type !== 'number' && !duration) || minimum === undefined) continue;
      const bad = String(minimum - 1);
      const err = configError(() => load({ env: { [leaf.env]: bad } }));
      assert.equal(err.key, leaf.key);
      assert.ok(err.message.includes(`"${bad}" (from ${leaf.env})`), err.message);
      const range = maximum === undefined ? `at least ${minimum}` : `from ${minimum} to ${maximum}`;
      assert.ok(err.message.includes(range), `${leaf.key}: ${err.message} does not say ${range}`);
    }
  });

  test('every enumerated key: the message lists the choices', () => {
    for (const leaf of configLeaves()) {
      if (!leaf.node.enum) continue;
      const err = configError(() => load({ env: { [leaf.env]: 'no-such-choice' } }));
      assert.equal(err.key, leaf.key);
      assert.ok(err.message.includes(`one of ${leaf.node.enum.join(', ')}`), err.message);
    }
  });

  test('a file that is not YAML, or not a mapping, names the file', () => {
    const { home, cwd } = dirs();
    const file = join(cwd, 'trakx.yaml');
    writeFileSync(file, 'http: [unclosed\n');
    const bad = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.equal(bad.key, file);
    assert.match(bad.message, /YAML/);
    writeFileSync(file, '- a\n- b\n');
    const list = configError(() => loadConfig({ env: {}, home, cwd }));
    assert.match(list.message, /must be a YAML mapping/);
  });
});
