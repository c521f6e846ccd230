// The trakx image for one architecture, run by the engine as an operator would: published
// ports on loopback, a named volume for /data. Full checks on the native architecture;
// under emulation it must build and serve (heartbeat, UDP connect + announce).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { get } from '../helpers/http-client.ts';
import { waitFor } from '../helpers/process.ts';
import { hash20 } from '../udp/packets.ts';
import { docker, engineMissing, inspect, logs, runsArch } from './engine.ts';
import { buildTrakx } from './images.ts';
import { heartbeat, httpAnnounce, udpAnnounce } from './probe.ts';

export function imageSuite(arch: string, full: boolean): void {
  const tag = `trakx-test:${arch}`;
  const name = `trakx-test-image-${arch}`;
  const volume = `trakx-test-data-${arch}`;
  let skip = engineMissing();
  if (!skip && !runsArch(arch)) {
    skip = `this host does not run ${arch} binaries (binfmt: qemu-user-static)`;
    if (process.env.CI === 'true') throw new Error(`CI must check the ${arch} image: ${skip}`);
  }

  describe(`the trakx image (${arch})`, { skip }, () => {
    let http = 0;
    let udp = 0;
    const hash = hash20(`image-${arch}`);

    const published = async (proto: string) =>
      Number((await docker(['port', name, `1337/${proto}`])).trim().split('\n')[0].split(':').pop());

    const startContainer = async () => {
      await docker(['start', name]);
      http = await published('tcp');
      udp = await published('udp');
      await waitFor(
        '/heartbeat through the published port',
        60_000,
        () => heartbeat('127.0.0.1', http),
        250,
      ).catch(async (err) => {
        throw new Error(`${err.message}\n${await logs(name)}`);
      });
    };

    const removeAll = async () => {
      await docker(['rm', '-f', name]).catch(() => '');
      await docker(['volume', 'rm', '-f', volume]).catch(() => '');
    };

    before(async () => {
      await removeAll();
      const seconds = await buildTrakx(arch, tag);
      console.log(`${tag} built in ${seconds.toFixed(1)} s`);
      // The image's own HEALTHCHECK command, checked more often so the test need not wait 30 s.
      await docker([
        'create',
        '--name',
        name,
        '-p',
        '127.0.0.1::1337/tcp',
        '-p',
        '127.0.0.1::1337/udp',
        '-v',
        `${volume}:/data`,
        '--health-interval=2s',
        '--health-start-period=60s',
        tag,
      ]);
      await startContainer();
    });

    after(async () => {
      if (!skip) await removeAll();
    });

    it('is built for its architecture', async () => {
      assert.equal(await inspect(tag, '{{.Architecture}}'), arch);
    });

    it('answers /heartbeat and a UDP connect + announce through published ports', async () => {
      assert.equal((await get('127.0.0.1', http, '/heartbeat')).status, 200);
      const first = await udpAnnounce('127.0.0.1', udp, hash, 1);
      assert.equal(first.leechers, 1);
      const second = await udpAnnounce('127.0.0.1', udp, hash, 2);
      assert.equal(second.leechers, 2);
      assert.deepEqual(
        second.peers.map((p) => p.port),
        [6001],
        'the first peer is handed out',
      );
    });

    // The rest on the native architecture only: emulation makes them slow, not different.
    if (full) {
      it('serves /metrics counting that traffic', async () => {
        const r = await get('127.0.0.1', http, '/metrics');
        assert.equal(r.status, 200);
        const text = r.body.toString();
        const line = text
          .split('\n')
          .find(
            (l) =>
              /^trakx_requests_total\{/.test(l) &&
              /protocol="udp"/.test(l) &&
              /action="announce"/.test(l) &&
              /result="ok"/.test(l),
          );
        assert.ok(line, text.slice(0, 2000));
        assert.ok(Number(line.split(' ').pop()) >= 2, line);
      });

      it('runs as the non-root user node', async () => {
        assert.equal(await inspect(tag, '{{.Config.User}}'), 'node');
        const status = await docker(['exec', name, 'cat', '/proc/1/status']);
        assert.match(status, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
        assert.match(await docker(['exec', name, 'cat', '/proc/1/cmdline']), /^node\0/);
      });

      it(
        'is marked healthy by the engine, and its check fails against a dead port',
        { skip: !full },
        async () => {
          const health = await waitFor(
            'healthy',
            60_000,
            async () => {
              const s = await inspect(name, '{{.State.Health.Status}}');
              return s === 'healthy' ? s : undefined;
            },
            500,
          );
          assert.equal(health, 'healthy');
          const test = JSON.parse(await inspect(tag, '{{json .Config.Healthcheck.Test}}')) as string[];
          assert.equal(test[0], 'CMD');
          const dead = await docker(['exec', '-e', 'TRAKX_HTTP_PORT=1', name, ...test.slice(1)]).then(
            () => 'passed',
            () => 'failed',
          );
          assert.equal(dead, 'failed');
        },
      );

      it(
        'saves the snapshot in the volume on SIGTERM and restores it on restart',
        { skip: !full },
        async () => {
          await httpAnnounce('127.0.0.1', http, hash, 3);
          await docker(['stop', '--time', '30', name], 60_000);
          assert.equal(await inspect(name, '{{.State.ExitCode}}'), '0');
          const stopped = await logs(name);
          assert.match(stopped, /snapshot saved/);
          const files = await docker([
            'run',
            '--rm',
            '-v',
            `${volume}:/data`,
            '--entrypoint',
            'ls',
            tag,
            '/data',
          ]);
          assert.match(files, /^trakx\.db$/m);

          await startContainer();
          assert.match((await logs(name)).slice(stopped.length), /snapshot restored/);
          const after = await udpAnnounce('127.0.0.1', udp, hash, 4);
          assert.equal(after.leechers, 4, 'the three peers from before the restart are back');
        },
      );
    }
  });
}
