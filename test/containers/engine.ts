// The Docker engine the container tests drive: the one at DOCKER_HOST (.ci/run starts a
// private dockerd, test/containers/dockerd.sh does the same by hand). Under CI a missing
// engine fails the tests; elsewhere they skip, saying how to get one.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's CLI matches its engine (and builds with BuildKit without buildx). */
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

const ENV = { ...process.env, DOCKER_BUILDKIT: '1', COMPOSE_DOCKER_CLI_BUILD: '0' };

/** Why the container tests cannot run here, or undefined when they can. Throws under CI. */
export function engineMissing(): string | undefined {
  let reason: string | undefined;
  if (!process.env.DOCKER_HOST) {
    reason = 'no DOCKER_HOST: start an engine with `eval "$(sh test/containers/dockerd.sh start)"`';
  } else {
    try {
      execFileSync(DOCKER, ['version'], { stdio: 'ignore', timeout: 20_000 });
    } catch {
      reason = `no Docker engine answers at ${process.env.DOCKER_HOST}`;
    }
  }
  if (reason && process.env.CI === 'true')
    throw new Error(`container tests need an engine under CI: ${reason}`);
  return reason;
}

/** `docker ARGS`, its stdout; the error carries stderr. */
export async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  return command(DOCKER, args, timeoutMs);
}

/** A program run with the engine's environment (plus `env`), its stdout; the error carries its output. */
export async function command(
  cmd: string,
  args: string[],
  timeoutMs: number,
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  try {
    const env = { ...ENV, ...opts.env };
    const r = await run(cmd, args, { env, cwd: opts.cwd, timeout: timeoutMs, maxBuffer: 64 << 20 });
    return r.stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const out = `${(e.stdout ?? '').slice(-4000)}${(e.stderr ?? '').slice(-4000)}`;
    throw new Error(`${cmd} ${args.join(' ')}: ${e.message}\n${out}`);
  }
}

export async function imageExists(name: string): Promise<boolean> {
  return docker(['image', 'inspect', name], 30_000).then(
    () => true,
    () => false,
  );
}

/** The image's architecture (amd64, arm64). */
export async function imageArch(name: string): Promise<string> {
  return (await docker(['image', 'inspect', '--format', '{{.Architecture}}', name])).trim();
}

/** Whether this host runs ARCH binaries (natively or through binfmt). */
export function runsArch(arch: string): boolean {
  if (arch === 'amd64' && process.arch === 'x64') return true;
  if (arch === 'arm64' && process.arch === 'arm64') return true;
  const qemu = arch === 'arm64' ? 'qemu-aarch64' : 'qemu-x86_64';
  try {
    return readFileSync(`/proc/sys/fs/binfmt_misc/${qemu}`, 'utf8').startsWith('enabled');
  } catch {
    return false;
  }
}

/** `docker inspect --format FORMAT name`, trimmed. */
export async function inspect(name: string, format: string): Promise<string> {
  return (await docker(['inspect', '--format', format, name])).trim();
}

/** A container's output so far, both streams. */
export async function logs(name: string): Promise<string> {
  const r = await run(DOCKER, ['logs', name], { env: ENV, maxBuffer: 64 << 20 }).catch((e) => e);
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

/** The engine's name for this host's architecture, and for the other one CI checks. */
export const NATIVE_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
export const FOREIGN_ARCH = NATIVE_ARCH === 'arm64' ? 'amd64' : 'arm64';
