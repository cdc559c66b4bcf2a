// One page request per user gesture, within 5 s; with a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WINDOW_MS, NEEDS_GESTURE, createActivation } from '../src/activation.js';
import { needsGesture } from '../src/rules.js';

test('no gesture, no request', () => {
  assert.equal(createActivation().take(0), false);
});

test('one gesture allows exactly one request', () => {
  const a = createActivation();
  a.gesture(100);
  assert.equal(a.take(150), true);
  assert.equal(a.take(160), false, 'a page re-requesting after a refusal needs a new gesture');
  a.gesture(200);
  assert.equal(a.take(210), true);
});

test('a gesture expires after 5 s', () => {
  assert.equal(WINDOW_MS, 5000);
  const a = createActivation();
  a.gesture(0);
  assert.equal(a.take(5001), false);
  a.gesture(10000);
  assert.equal(a.take(15000), true);
});

test('an expired gesture is used up too, and a clock running backwards never allows', () => {
  const a = createActivation();
  a.gesture(1000);
  assert.equal(a.take(999), false);
  assert.equal(a.take(1000), false);
});

test('which actions need a gesture', () => {
  assert.deepEqual([...NEEDS_GESTURE].sort(), ['authenticate', 'getSigningCertificate', 'sign']);
  assert.equal(needsGesture('authenticate', false), true);
  assert.equal(needsGesture('getSigningCertificate', false), true);
  assert.equal(needsGesture('sign', false), true);
  assert.equal(needsGesture('sign', true), false, 'a sign continuing a held session');
  assert.equal(needsGesture('authenticate', true), true);
  assert.equal(needsGesture('status', false), false);
});
