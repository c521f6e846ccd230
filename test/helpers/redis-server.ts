// A private redis-server for one test file: Debian's binary on a free loopback port and
// a unix socket in a temporary directory, no persistence, never the system service.
// Missing redis-server skips the tests locally and fails them under CI.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type Running, start } from './process.ts';

const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const REDIS_PRESENT = hasRedis();
if (!REDIS_PRESENT && inCI)
  throw new Error('redis-server is not installed (Debian package redis-server); CI needs it');
/** For node:test's `skip` option: a reason when the tests cannot run here. */
export const SKIP_NO_REDIS = REDIS_PRESENT
  ? false
  : 'redis-server not installed (apt-get install redis-server)';

export class RedisServer {
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
      'redis-server',
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
    throw new Error(`redis-server did not start:\n${this.proc.output()}`);
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
