// The consent window's 800 ms input gate, with a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DELAY_MS, createInputGate } from '../src/gate.js';

test('nothing acts before the window is shown', () => {
  const g = createInputGate();
  assert.equal(g.allows(0), false);
  assert.equal(g.allows(1e9), false);
  assert.equal(g.opensAt(), null);
});

test('inputs within 800 ms of being shown are ignored, later ones act', () => {
  assert.ok(DELAY_MS >= 800);
  const g = createInputGate();
  g.arm(1000);
  assert.equal(g.allows(1000), false);
  assert.equal(g.allows(1600), false, 'one Enter 0.6 s after the window appeared');
  assert.equal(g.allows(1000 + DELAY_MS - 1), false);
  assert.equal(g.allows(1000 + DELAY_MS), true);
  assert.equal(g.opensAt(), 1000 + DELAY_MS);
});

test('regaining focus closes the gate again for another 800 ms', () => {
  const g = createInputGate();
  g.arm(0);
  assert.equal(g.allows(5000), true);
  g.arm(5000);
  assert.equal(g.allows(5100), false);
  assert.equal(g.allows(5000 + DELAY_MS), true);
});
