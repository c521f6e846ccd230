// A private Redis Cluster for one test file: three primaries, each with `replicas`
// replicas (Debian's redis-server, each on free ports in its own temp dir, see
// redis-server.ts) joined by `redis-cli --cluster create`, and the operator's commands the
// tests need (through redis-cli).

import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './process.ts';
import { RedisServer } from './redis-server.ts';

const run = promisify(execFile);

export class RedisClusterNodes {
  readonly nodes: RedisServer[];

  constructor(readonly replicas = 0) {
    this.nodes = Array.from({ length: 3 * (1 + replicas) }, () => new RedisServer());
  }

  /** The redis:// url of node i (a seed for db.redis.url). */
  url(i: number): string {
    return this.nodes[i].url;
  }

  async start(): Promise<this> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const bus = await freePort();
        await n.start([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `${n.dir}/nodes.conf`,
          '--cluster-node-timeout',
          '2000',
          '--cluster-port',
          String(bus),
        ]);
      }),
    );
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...this.nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(this.replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    await this.settle();
    return this;
  }

  /** Waits until every node says cluster_state:ok and all agree on who serves each slot. */
  async settle(): Promise<void> {
    let last = '';
    for (let i = 0; i < 200; i++) {
      const infos = await Promise.all(this.nodes.map((_, k) => this.cli(k, 'CLUSTER', 'INFO')));
      const views = await Promise.all(this.nodes.map((_, k) => this.slotView(k)));
      last = infos.join('\n');
      if (infos.every((s) => s.includes('cluster_state:ok')) && views.every((v) => v === views[0])) return;
      await sleep(50);
    }
    throw new Error(`the cluster did not settle:\n${last}`);
  }

  /** The replica of node `primary` (with replicas), by index. */
  async replicaOf(primary: number): Promise<number> {
    const id = await this.id(primary);
    for (let k = 0; k < this.nodes.length; k++) {
      if ((await this.cli(k, 'CLUSTER', 'NODES')).includes(`myself,slave ${id}`)) return k;
    }
    return -1;
  }

  /** One command on node i through redis-cli; its raw output, trimmed. */
  async cli(i: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(this.nodes[i].port), ...args], {
      timeout: 10_000,
    });
    return stdout.trim();
  }

  async id(i: number): Promise<string> {
    return this.cli(i, 'CLUSTER', 'MYID');
  }

  /** Which node serves `slot`, as node i sees it. */
  async owner(slot: number, via = 0): Promise<number> {
    const ids = await Promise.all(this.nodes.map((_, k) => this.id(k)));
    for (const line of (await this.cli(via, 'CLUSTER', 'NODES')).split('\n')) {
      const f = line.split(' ');
      if (!f[2]?.includes('master')) continue;
      for (const r of f.slice(8)) {
        const [a, b] = r.split('-').map(Number);
        if (slot >= a && slot <= (b ?? a)) return ids.indexOf(f[0]);
      }
    }
    return -1;
  }

  /** Starts moving `slot` from node `from` to node `to`: IMPORTING there, MIGRATING here. */
  async beginMove(slot: number, from: number, to: number): Promise<void> {
    await this.cli(to, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', await this.id(from));
    await this.cli(from, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', await this.id(to));
  }

  /** The whole move of `slot` to node `to`, keys included, told to every node. */
  async moveSlot(slot: number, to: number): Promise<void> {
    const from = await this.owner(slot);
    await this.beginMove(slot, from, to);
    await this.finishMove(slot, from, to);
  }

  /** The rest of a move begun with beginMove(): the keys, then the new owner told to all. */
  async finishMove(slot: number, from: number, to: number): Promise<void> {
    for (;;) {
      const keys = (await this.cli(from, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '100'))
        .split('\n')
        .filter((k) => k !== '');
      if (keys.length === 0) break;
      const out = await this.cli(
        from,
        'MIGRATE',
        '127.0.0.1',
        String(this.nodes[to].port),
        '',
        '0',
        '5000',
        'KEYS',
        ...keys,
      );
      if (out !== 'OK') throw new Error(`MIGRATE: ${out}`);
    }
    const target = await this.id(to);
    for (let k = 0; k < this.nodes.length; k++)
      await this.cli(k, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target);
    await this.settle();
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  private async slotView(i: number): Promise<string> {
    const lines = (await this.cli(i, 'CLUSTER', 'NODES')).split('\n');
    return lines
      .map((l) => l.split(' '))
      .filter((f) => f[2]?.includes('master'))
      .map((f) => `${f[1].split('@')[0]} ${f.slice(8).join(' ')}`)
      .sort()
      .join('|');
  }
}
