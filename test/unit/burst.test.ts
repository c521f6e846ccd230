// The burst queue behind both servers: requests pushed in one turn of the event loop
// are run later in that loop iteration's check phase, in order, each once; one that
// throws does not stop the rest or escape to the process.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Burst } from '../../app/runtime/burst.ts';

const checkPhase = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A burst of numbers that records what ran and what failed; `failing` throws. */
function recorder(failing: number) {
  const ran: number[] = [];
  const errors: string[] = [];
  const b = new Burst<number, null, null>(
    (n) => {
      if (n === failing) throw new Error(`fail ${n}`);
      ran.push(n);
    },
    (e) => errors.push((e as Error).message),
  );
  return { b, ran, errors };
}

describe('Burst', () => {
  test('runs pushed requests in order in the check phase, not during push', async () => {
    const ran: string[] = [];
    const errors: unknown[] = [];
    const b = new Burst<string, number, boolean>(
      (a, n, flag) => ran.push(`${a}${n}${flag ? '!' : ''}`),
      (e) => errors.push(e),
    );
    b.push('a', 1, false);
    b.push('b', 2, true);
    b.push('c', 3, false);
    assert.deepEqual(ran, [], 'nothing runs inside push()');
    assert.equal(b.pending, 3);
    await checkPhase();
    assert.deepEqual(ran, ['a1', 'b2!', 'c3']);
    assert.equal(b.pending, 0);
    assert.deepEqual(errors, []);
  });

  test('a later push starts a new burst, and each request runs exactly once', async () => {
    const ran: number[] = [];
    const b = new Burst<number, null, null>(
      (n) => ran.push(n),
      () => {},
    );
    b.push(1, null, null);
    await checkPhase();
    b.push(2, null, null);
    b.push(3, null, null);
    await checkPhase();
    await checkPhase();
    assert.deepEqual(ran, [1, 2, 3]);
  });

  test('a request that throws is reported and the rest of the burst still runs', async () => {
    const { b, ran, errors } = recorder(2);
    for (let i = 1; i <= 4; i++) b.push(i, null, null);
    await checkPhase();
    assert.deepEqual(ran, [1, 3, 4]);
    assert.deepEqual(errors, ['fail 2']);
    // The queue is usable afterwards.
    b.push(5, null, null);
    await checkPhase();
    assert.deepEqual(ran, [1, 3, 4, 5]);
  });

  test('a throwing error sink does not escape the immediate', async () => {
    const ran: number[] = [];
    let uncaught: unknown = null;
    const onUncaught = (e: unknown) => {
      uncaught = e;
    };
    process.on('uncaughtException', onUncaught);
    try {
      const b = new Burst<number, null, null>(
        (n) => {
          if (n === 1) throw new Error('first');
          ran.push(n);
        },
        () => {
          throw new Error('sink');
        },
      );
      b.push(1, null, null);
      b.push(2, null, null);
      await checkPhase();
      await checkPhase();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.equal(uncaught, null);
    assert.deepEqual(ran, [2]);
  });

  test('a request pushed while a burst runs joins that burst', async () => {
    const ran: number[] = [];
    const b: Burst<number, null, null> = new Burst<number, null, null>(
      (n) => {
        ran.push(n);
        if (n < 3) b.push(n + 10, null, null);
      },
      () => {},
    );
    b.push(1, null, null);
    b.push(2, null, null);
    await checkPhase();
    assert.deepEqual(ran, [1, 2, 11, 12]);
    assert.equal(b.pending, 0);
  });

  test('runNow runs at once when nothing waits, and queues behind a waiting burst', async () => {
    const { b, ran, errors } = recorder(9);
    b.runNow(1, null, null);
    assert.deepEqual(ran, [1], 'ran inside runNow()');
    b.runNow(9, null, null);
    assert.deepEqual(errors, ['fail 9'], 'its error went to the sink, not to the caller');
    b.push(2, null, null);
    b.runNow(3, null, null);
    assert.deepEqual(ran, [1], 'queued behind 2, not run ahead of it');
    await checkPhase();
    assert.deepEqual(ran, [1, 2, 3]);
  });

  test('queued requests are released once run', async () => {
    const b = new Burst<object, object, object>(
      () => {},
      () => {},
    );
    const held = { big: new Uint8Array(16) };
    b.push(held, held, held);
    await checkPhase();
    // The slots are cleared, so the queue keeps nothing alive between bursts.
    const q = b as unknown as { qa: unknown[]; qb: unknown[]; qc: unknown[] };
    assert.ok([...q.qa, ...q.qb, ...q.qc].every((x) => x === undefined));
  });
});
