// The card read ahead while the person types: `prepare` when the host lists it in its `version`
// answer, `status` from an older host; the window opens without waiting for either.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { POLL_MS } from '../src/flow.js';
import { FakeBrowser, JPKI_READER, settle } from './support/fakes.js';

const CHALLENGE = `${'A'.repeat(43)}=`;
const PREPARE = ['version', 'status', 'authenticate', 'getSigningCertificate', 'sign', 'cancel', 'quit', 'prepare'];

/** @param {FakeBrowser} b */
const commands = (b) => b.host.requests.map((r) => r.command);

test('a host with prepare: the card is read ahead for the action, and the request names its reader', async () => {
  const b = new FakeBrowser();
  b.hostOptions = { commands: PREPARE };
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.deepEqual(b.host.requests[1].arguments, { action: 'authenticate' });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.deepEqual(ui.sent[0].card, { state: 'present', readers: ['reader 0'], reader: 'reader 0', triesLeft: 3 });
  ui.deliver({ type: 'submit', pin: '1234' });
  await settle();
  assert.deepEqual(commands(b), ['version', 'prepare', 'authenticate']);
  assert.equal(b.host.cardRequest?.arguments.reader, 'reader 0');
});

test('signing is prepared as sign (the password’s tries), for both signing requests', async () => {
  for (const [action, args] of /** @type {const} */ ([
    ['sign', { hashAlgorithm: 'SHA-256', hashes: [Buffer.alloc(32).toString('base64')] }],
    ['getSigningCertificate', {}],
  ])) {
    const b = new FakeBrowser();
    b.hostOptions = { commands: PREPARE };
    await b.request(1, action, args);
    assert.deepEqual(b.host.requests[1], { id: 2, command: 'prepare', arguments: { action: 'sign' } }, action);
  }
});

test('an older host (no commands in version) gets status, as before', async () => {
  const b = new FakeBrowser();
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  ui.deliver({ type: 'submit', pin: '1234' });
  await settle();
  assert.deepEqual(commands(b), ['version', 'status', 'authenticate']);
});

test('the window opens before the card is read and shows the card once it is known', async () => {
  const b = new FakeBrowser();
  b.hostOptions = { holdCard: true, commands: PREPARE };
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(b.openWindows.length, 1, 'the window did not wait for the card');
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.equal(ui.sent[0].type, 'init');
  assert.equal(ui.sent[0].card, null);
  b.host.answerCard();
  await settle();
  assert.deepEqual(ui.sent.at(-1), { type: 'card', card: { state: 'present', readers: ['reader 0'], reader: 'reader 0', triesLeft: 3 }, needLastTry: false });
});

test('the card read is sent before windows.create is called (Firefox relays it only after the window)', async () => {
  for (const options of [{ commands: PREPARE }, {}]) {
    const b = new FakeBrowser();
    b.hostOptions = options;
    /** @type {string[][]} what the host had been sent when each window was asked for */
    const sentAtCreate = [];
    const create = b.api.windows.create;
    b.api.windows.create = (o) => {
      sentAtCreate.push(commands(b));
      return create(o);
    };
    await b.request(1, 'authenticate', { challenge: CHALLENGE });
    const read = options.commands ? 'prepare' : 'status';
    assert.deepEqual(sentAtCreate, [['version', read]]);
  }
});

test('a PIN submitted while the card is still being read waits for the read, then goes once', async () => {
  const b = new FakeBrowser();
  b.hostOptions = { holdCard: true, commands: PREPARE };
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  ui.deliver({ type: 'submit', pin: '1234' });
  await settle();
  assert.deepEqual(commands(b), ['version', 'prepare'], 'nothing is sent before the read ends');
  b.host.answerCard();
  await settle();
  assert.deepEqual(commands(b), ['version', 'prepare', 'authenticate']);
});

test('after a wrong PIN the card is read ahead again for the next one', async () => {
  const b = new FakeBrowser();
  b.hostOptions = { commands: PREPARE };
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  ui.deliver({ type: 'submit', pin: '9999' });
  await settle();
  b.host.fail('PIN_INCORRECT', { triesLeft: 2 });
  await settle();
  assert.deepEqual(commands(b), ['version', 'prepare', 'authenticate', 'prepare']);
});

test('a card another program holds is shown as busy, and looked at again until it is free', async () => {
  const b = new FakeBrowser();
  b.hostOptions = { commands: PREPARE, readers: [{ name: 'reader 0', card: 'busy' }] };
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.deepEqual(ui.sent[0].card, { state: 'busy' });
  b.host.options.readers = [JPKI_READER];
  await b.clock.advance(POLL_MS);
  assert.equal(ui.sent.at(-1).card.state, 'present');
  assert.deepEqual(commands(b), ['version', 'prepare', 'prepare']);
});
