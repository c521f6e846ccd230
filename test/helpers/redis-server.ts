// A private redis-server (or valkey-server) for one test file: Debian's binary on a free
// loopback port and a unix socket in a temporary directory, no persistence, never the
// system service. A missing binary skips the tests locally and fails them under CI.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type Running, start } from './process.ts';

const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/** The servers the Redis store is tested on: Redis, and Valkey (Debian bookworm-backports). */
export type RedisEngine = 'redis-server' | 'valkey-server';

function has(engine: RedisEngine): boolean {
  try {
    execFileSync(engine, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HOW: Record<RedisEngine, string> = {
  'redis-server': 'apt-get install redis-server',
  'valkey-server': 'apt-get install -t bookworm-backports valkey-server',
};

/** For node:test's `skip` option: a reason when `engine` is missing here (CI fails instead). */
export function skipWithout(engine: RedisEngine): string | false {
  if (has(engine)) return false;
  if (inCI) throw new Error(`${engine} is not installed (${HOW[engine]}); CI needs it`);
  return `${engine} not installed (${HOW[engine]})`;
}

export const SKIP_NO_REDIS = skipWithout('redis-server');
export const REDIS_PRESENT = SKIP_NO_REDIS === false;

/** Both engines, each with its skip reason, for suites run on each. */
export function engines(): { engine: RedisEngine; skip: string | false }[] {
  return (['redis-server', 'valkey-server'] as const).map((engine) => ({
    engine,
    skip: skipWithout(engine),
  }));
}

export class RedisServer {
  constructor(readonly engine: RedisEngine = 'redis-server') {}
  readonly dir = mkdtempSync(join(tmpdir(), 'trakx-redis-'));
  readonly socket = join(this.dir, 'redis.sock');
  port = 0;
  proc: Running | null = null;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.proc!.child.pid!;
  }

  /** Starts (or restarts on the same port and socket) and waits until it answers. */
  async start(extra: string[] = []): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    this.proc = start(
      this.engine,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1 ::1',
        '--unixsocket',
        this.socket,
        '--unixsocketperm',
        '700',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
        ...extra,
      ],
      { cwd: this.dir },
    );
    // A test or bench that dies of an exception must not leave its server behind.
    const child = this.proc.child;
    const reap = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', reap);
    child.once('exit', () => process.removeListener('exit', reap));
    for (let i = 0; i < 200; i++) {
      if (await this.pings()) return this;
      if (this.proc.child.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`${this.engine} did not start:\n${this.proc.output()}`);
  }

  private pings(): Promise<boolean> {
    return new Promise((ok) => {
      const s = createConnection({ host: '127.0.0.1', port: this.port });
      s.setTimeout(500);
      s.once('connect', () => s.write('PING\r\n'));
      s.once('data', (b) => {
        s.destroy();
        // NOAUTH: up, and wants a password (--requirepass).
        ok(/^(\+PONG|-NOAUTH)/.test(b.toString()));
      });
      s.once('error', () => ok(false));
      s.once('timeout', () => {
        s.destroy();
        ok(false);
      });
    });
  }

  /** SIGKILL, as a crash would. */
  async kill9(): Promise<void> {
    this.proc?.kill();
    await this.proc?.exited;
  }

  pause(): void {
    process.kill(this.pid, 'SIGSTOP');
  }

  resume(): void {
    process.kill(this.pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.proc !== null) {
      try {
        this.resume();
      } catch {
        // Already gone.
      }
      await this.proc.stop(3000);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
