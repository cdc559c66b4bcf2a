// Per-tab request slots and the status() limiter.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { STATUS_CACHE_MS, createSlots, createStatusLimiter } from '../src/slots.js';

test('each tab has its own slot', () => {
  const s = createSlots();
  const a = {};
  const b = {};
  assert.equal(s.claim(1, a), true);
  assert.equal(s.claim(1, b), false, 'the same tab: one request at a time');
  assert.equal(s.claim(2, b), true, 'another tab is not blocked by tab 1');
  assert.deepEqual(s.others(2), [a]);
  assert.deepEqual(s.others(1), [b]);
  s.release(1, b); // not the holder: no effect
  assert.equal(s.holder(1), a);
  s.release(1, a);
  assert.equal(s.holder(1), null);
  assert.equal(s.claim(1, b), true);
});

/** A status fetch that counts its starts and is settled by the test. */
function fakeHost() {
  /** @type {{ resolve: (v: unknown) => void; reject: (e: unknown) => void }[]} */
  const waiting = [];
  const h = {
    starts: 0,
    waiting,
    /** @returns {Promise<unknown>} */
    fetch: () => {
      h.starts++;
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
  return h;
}

test('status: callers of one tab share one host process; the answer is cached 10 s', async () => {
  let t = 0;
  const lim = createStatusLimiter({ now: () => t });
  const h = fakeHost();
  const calls = Array.from({ length: 1000 }, () => lim.run(7, h.fetch));
  await Promise.resolve();
  assert.equal(h.starts, 1);
  h.waiting[0].resolve({ v: 1 });
  assert.deepEqual(new Set((await Promise.all(calls)).map((r) => r.v)), new Set([1]));
  t = STATUS_CACHE_MS - 1;
  assert.deepEqual(await lim.run(8, h.fetch), { v: 1 }, 'cached, even for another tab');
  assert.equal(h.starts, 1);
  t = STATUS_CACHE_MS;
  const later = lim.run(7, h.fetch);
  await Promise.resolve();
  assert.equal(h.starts, 2, 'after 10 s the host is asked again');
  h.waiting[1].resolve({ v: 2 });
  assert.deepEqual(await later, { v: 2 });
});

test('status: a failure is not cached; tabs do not wait for each other', async () => {
  const lim = createStatusLimiter({ now: () => 0 });
  const h = fakeHost();
  const a = lim.run(1, h.fetch);
  const b = lim.run(2, h.fetch);
  await Promise.resolve();
  assert.equal(h.starts, 2);
  h.waiting[0].reject(new Error('HOST_UNAVAILABLE'));
  await assert.rejects(a);
  const again = lim.run(1, h.fetch);
  await Promise.resolve();
  assert.equal(h.starts, 3, 'a failed answer is not reused');
  h.waiting[1].resolve({ v: 1 });
  h.waiting[2].resolve({ v: 1 });
  await Promise.all([b, again]);
});
