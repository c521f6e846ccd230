// Builds the configuration: embedded defaults → trakx.yaml → TRAKX_* environment → PORT.
// Validation is env-schema (Ajv) over the one schema in schema.ts; the first problem
// becomes a ConfigError that names the key, the value and what is allowed.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import envSchema from 'env-schema';
import { parse as parseYaml } from 'yaml';
import { addTrusted } from './cidr.ts';
import { DEFAULT_YAML } from './default-yaml.ts';
import { parseDuration } from './duration.ts';
import { configSchema } from './schema.ts';
import type { Config } from './types.ts';
import { type UnknownSetting, unknownSettings } from './unknown-env.ts';

export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(`invalid configuration: ${key}: ${message}`);
    this.key = key;
  }
}

export interface LoadOptions {
  /** `--config FILE`; when absent ./trakx.yaml, then ~/.config/trakx/trakx.yaml. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
  cwd?: string;
  /** Write the commented default to ~/.config/trakx/trakx.yaml when no file exists. */
  writeDefault?: boolean;
}

export interface LoadedConfig {
  config: Config;
  /** The YAML file that was read, if any. */
  file: string | undefined;
  /** TRAKX_* environment variables that name no key: ignored, to be warned about. */
  unknownEnv: UnknownSetting[];
}

type SchemaNode = {
  type?: string | readonly string[];
  properties?: Record<string, SchemaNode>;
  duration?: boolean;
  /** Bytes of a hex secret (see schema.ts). */
  hexSecret?: number;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
};
type Obj = Record<string, unknown>;

export interface ConfigLeaf {
  key: string;
  env: string;
  node: SchemaNode;
}

/** Every leaf key of the schema with its environment variable name, in schema order. */
export function configLeaves(
  node: SchemaNode = configSchema as SchemaNode,
  prefix: string[] = [],
): ConfigLeaf[] {
  const out: ConfigLeaf[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = [...prefix, name];
    if (child.type === 'object' && child.properties) out.push(...configLeaves(child, path));
    else out.push({ key: path.join('.'), env: `TRAKX_${path.join('_').toUpperCase()}`, node: child });
  }
  return out;
}

export function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}

export function defaultConfigPath(home: string): string {
  return join(home, '.config', 'trakx', 'trakx.yaml');
}

/** Which YAML file applies, writing the embedded default on first run. */
export function resolveConfigFile(opts: LoadOptions): string | undefined {
  const home = opts.home ?? homedir();
  const cwd = opts.cwd ?? process.cwd();
  if (opts.configPath !== undefined) {
    const file = resolve(cwd, opts.configPath);
    if (!existsSync(file)) throw new ConfigError('--config', `file ${file} does not exist`);
    return file;
  }
  const local = join(cwd, 'trakx.yaml');
  if (existsSync(local)) return local;
  const user = defaultConfigPath(home);
  if (existsSync(user)) return user;
  if (opts.writeDefault === false) return undefined;
  try {
    mkdirSync(dirname(user), { recursive: true, mode: 0o700 });
    writeFileSync(user, DEFAULT_YAML, { mode: 0o644, flag: 'wx' });
    return user;
  } catch {
    // A read-only home (containers) is fine: the embedded defaults apply.
    return undefined;
  }
}

function readYaml(file: string): Obj {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, `cannot be read as YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(file, 'must be a YAML mapping');
  return parsed as Obj;
}

function setPath(target: Obj, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Obj;
  }
  node[path[path.length - 1]] = value;
}

function getPath(source: unknown, path: string[]): unknown {
  let node = source;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Obj)[part];
  }
  return node;
}

/** Unknown keys are most often typos: refuse them rather than silently ignore them. */
function rejectUnknown(data: unknown, node: SchemaNode, prefix: string[]): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !node.properties) return;
  for (const key of Object.keys(data)) {
    const child = node.properties[key];
    const path = [...prefix, key];
    if (!child) {
      const allowed = Object.keys(node.properties).join(', ');
      throw new ConfigError(path.join('.'), `unknown key (allowed here: ${allowed})`);
    }
    if (child.type === 'object') rejectUnknown((data as Obj)[key], child, path);
  }
}

function describeAllowed(node: SchemaNode): string {
  if (node.hexSecret) {
    const n = node.hexSecret;
    return `empty or ${2 * n} hexadecimal characters (${n} bytes), such as the output of openssl rand -hex ${n}`;
  }
  if (node.enum) return `one of ${node.enum.join(', ')}`;
  const range =
    node.minimum !== undefined && node.maximum !== undefined
      ? ` from ${node.minimum} to ${node.maximum}`
      : node.minimum !== undefined
        ? ` of at least ${node.minimum}`
        : node.maximum !== undefined
          ? ` of at most ${node.maximum}`
          : '';
  if (node.duration) return `a duration such as 90s, 30m or 1h${range ? ` (in seconds,${range})` : ''}`;
  if (node.type === 'integer') return `an integer${range}`;
  if (node.type === 'number') return `a number${range}`;
  if (node.type === 'boolean') return 'true or false';
  if (node.type === 'array') return 'a list (comma-separated in the environment)';
  if (node.type === 'object') return `a mapping of ${Object.keys(node.properties ?? {}).join(', ')}`;
  return `a ${node.type ?? 'value'}`;
}

const durationKeyword = {
  keyword: 'duration',
  modifying: true,
  errors: true,
  validate: function check(
    _schema: boolean,
    data: unknown,
    parent: SchemaNode,
    cxt?: { parentData: Obj; parentDataProperty: string | number },
  ): boolean {
    const seconds = parseDuration(data);
    const ok =
      seconds !== undefined &&
      (parent.minimum === undefined || seconds >= parent.minimum) &&
      (parent.maximum === undefined || seconds <= parent.maximum);
    if (!ok) {
      (check as unknown as { errors: unknown[] }).errors = [
        { keyword: 'duration', message: describeAllowed(parent), params: {} },
      ];
      return false;
    }
    if (cxt) cxt.parentData[cxt.parentDataProperty] = seconds;
    return true;
  },
};

const hexSecretKeyword = {
  keyword: 'hexSecret',
  errors: true,
  validate: function check(bytes: number, data: unknown, parent: SchemaNode): boolean {
    const ok =
      typeof data === 'string' && (data === '' || new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`).test(data));
    if (!ok) {
      (check as unknown as { errors: unknown[] }).errors = [
        { keyword: 'hexSecret', message: describeAllowed(parent), params: {} },
      ];
    }
    return ok;
  },
};

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const file = resolveConfigFile(opts);
  const data: Obj = file ? readYaml(file) : {};
  rejectUnknown(data, configSchema as SchemaNode, []);

  const leaves = configLeaves();
  const unknownEnv = unknownSettings(
    env,
    leaves.map((l) => l.env),
  );
  for (const leaf of leaves) {
    const value = env[leaf.env];
    if (value === undefined || value === '') continue;
    const parsed =
      leaf.node.type === 'array'
        ? value
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean)
        : value;
    setPath(data, leaf.key.split('.'), parsed);
  }
  if (env.PORT !== undefined && env.PORT !== '') setPath(data, ['http', 'port'], env.PORT);

  const original = structuredClone(data);
  let merged: Obj;
  try {
    merged = envSchema({
      schema: structuredClone(configSchema) as unknown as Obj,
      data,
      env: false,
      ajv: {
        customOptions(ajv: { addKeyword(def: unknown): unknown }) {
          ajv.addKeyword(durationKeyword);
          ajv.addKeyword(hexSecretKeyword);
          return ajv as never;
        },
      },
    }) as Obj;
  } catch (err) {
    const first = (err as { errors?: { instancePath: string; message?: string }[] }).errors?.[0];
    if (!first) throw err;
    // The schema node the error is about: a list item's error is reported on its list.
    const path: string[] = [];
    let node = configSchema as SchemaNode;
    for (const part of first.instancePath.split('/').filter(Boolean)) {
      const child = node.properties?.[part];
      if (!child) break;
      path.push(part);
      node = child;
    }
    const key = path.join('.');
    const leaf = configLeaves().find((l) => l.key === key);
    // A secret stays out of the message even when it is wrong: it may be a near miss.
    const value = node.hexSecret ? 'the value' : JSON.stringify(getPath(original, path));
    const fromEnv = leaf && env[leaf.env] !== undefined ? ` (from ${leaf.env})` : '';
    const allowed = path.length > 0 ? describeAllowed(node) : (first.message ?? 'invalid');
    throw new ConfigError(key || 'config', `${value}${fromEnv} is not allowed; expected ${allowed}`);
  }

  const config = merged as unknown as Config;
  if (config.workers === 0) config.workers = availableParallelism();
  if (config.db.expiry === 0) config.db.expiry = config.announce.base + config.announce.fuzz + 300;
  if (config.numwant.default > config.numwant.limit) {
    throw new ConfigError(
      'numwant.default',
      `${config.numwant.default} is not allowed; expected at most numwant.limit (${config.numwant.limit})`,
    );
  }
  // Instances sharing swarms sit behind one name: each must accept the others' ids.
  if (config.db.type === 'redis' && config.udp.enabled && config.udp.connections.secret === '') {
    throw new ConfigError(
      'udp.connections.secret',
      'must be set with db.type redis, the same on every instance (openssl rand -hex 16), so a UDP client may reach any of them',
    );
  }
  // Listen addresses are IP literals: a host name would only fail later, at bind time.
  for (const [key, value] of [
    ['http.ip', config.http.ip],
    ['udp.ip', config.udp.ip],
    ['metrics.ip', config.metrics.ip],
  ] as const) {
    if (isIP(value) === 0) {
      throw new ConfigError(
        key,
        `${JSON.stringify(value)} is not allowed; expected an IP address such as ::, 0.0.0.0 or 127.0.0.1`,
      );
    }
  }
  const proxies = new BlockList();
  for (const entry of config.http.trustProxy) {
    try {
      addTrusted(proxies, entry);
    } catch (err) {
      throw new ConfigError(
        'http.trustProxy',
        `${JSON.stringify(entry)} is not allowed (${(err as Error).message}); expected an IP address or CIDR such as 10.0.0.0/8 or ::1`,
      );
    }
  }
  config.db.backup.path = expandHome(config.db.backup.path, home);
  config.path.pid = expandHome(config.path.pid, home);
  config.path.log = expandHome(config.path.log, home);
  config.limits.denylist = expandHome(config.limits.denylist, home);
  config.limits.allowlist = expandHome(config.limits.allowlist, home);
  return { config, file, unknownEnv };
}
