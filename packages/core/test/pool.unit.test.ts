import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { pool } from '../src/pool.js';

t.test('pool: results in the items\' order, never more than n at a time', async (t) => {
  let running = 0;
  let most = 0;
  const out = await pool([30, 10, 20, 5, 0], 2, async (ms) => {
    most = Math.max(most, ++running);
    await sleep(ms);
    running--;
    return ms * 2;
  });
  t.same(out, [60, 20, 40, 10, 0]);
  t.equal(most, 2);
  t.same(await pool([], 4, async () => 1), []);
  t.same(await pool([1, 2], 0, async (x) => x), [1, 2], 'n below 1 runs one at a time');
});

t.test('pool: the first failure rejects and no further item starts', async (t) => {
  const started: number[] = [];
  await t.rejects(pool([1, 2, 3, 4], 1, async (x) => {
    started.push(x);
    if (x === 2) throw new Error('boom');
    return x;
  }), { message: 'boom' });
  t.same(started, [1, 2]);
});
