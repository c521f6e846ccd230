// `trakx status` with worker threads: the heartbeats are answered by whichever worker the
// kernel picks, and the workers alive come from the main thread's /stats.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from '../../app/cli/status.ts';
import { startTestService } from '../helpers/service.ts';

test('status reports every worker alive, and the heartbeats answer', async () => {
  const svc = await startTestService({ env: { TRAKX_WORKERS: '2' }, host: '127.0.0.1' });
  try {
    const config = structuredClone(svc.config);
    config.http.port = svc.httpPort;
    config.udp.port = svc.udpPort;
    const report = await inspect(config);
    assert.deepEqual(report.heartbeat, { http: 'ok', udp: 'ok' });
    assert.deepEqual(report.workers, { live: 2, configured: 2 });
    config.metrics.enabled = false;
    assert.equal((await inspect(config)).workers, 'off');
  } finally {
    await svc.close();
  }
});
