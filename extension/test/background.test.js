// The background around the flows: user gestures, one slot per tab, the status limiter, origins,
// held signing sessions and their expiry, card problems shown in the window. Real service.js on
// fakes (support/fakes.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HOLD_MS } from '../src/held.js';
import { POLL_MS } from '../src/flow.js';
import { CERTIFICATE, FakeBrowser, JPKI_READER, codeOf, settle } from './support/fakes.js';
/** @import { FakePort } from './support/fakes.js' */

const CHALLENGE = `${'A'.repeat(43)}=`;
const HASH = Buffer.alloc(32, 7).toString('base64');
const SIGNED = { certificate: CERTIFICATE, signatures: ['c2ln'], signatureAlgorithm: { cryptoAlgorithm: 'RSA', hashFunction: 'SHA-256', paddingScheme: 'PKCS1.5' } };
const signArgs = { hashAlgorithm: 'SHA-256', hashes: [HASH], certificate: CERTIFICATE, documentNames: ['契約書.pdf'] };

/**
 * Opens the tab's consent window and submits `pin` in it.
 * @param {FakeBrowser} b @param {string} [pin]
 */
async function submitInWindow(b, pin) {
  const ui = await b.connectWindow(b.openWindows.at(-1) ?? -1);
  ui.deliver(pin === undefined ? { type: 'submit' } : { type: 'submit', pin });
  await settle();
  return ui;
}

/** getSigningCertificate through to a held session for `tab`. @param {FakeBrowser} b @param {number} [tab] */
async function holdSession(b, tab = 1) {
  const page = await b.request(tab, 'getSigningCertificate');
  await submitInWindow(b, 'abc123');
  assert.equal(b.host.cardRequest?.arguments.hold, true);
  b.host.answer({ certificate: CERTIFICATE });
  await settle();
  assert.deepEqual(page.sent, [{ result: { certificate: CERTIFICATE } }]);
  return b.host;
}

test('authenticate, getSigningCertificate and sign need a fresh gesture; no host starts without one', async () => {
  const b = new FakeBrowser();
  for (const [action, args] of /** @type {const} */ ([['authenticate', { challenge: CHALLENGE }], ['getSigningCertificate', {}], ['sign', signArgs]])) {
    const page = await b.request(1, action, args, { gesture: false });
    assert.equal(codeOf(page), 'USER_ACTIVATION_REQUIRED', action);
  }
  assert.equal(b.hosts.length, 0);
  assert.deepEqual(b.openWindows, []);
});

test('an opaque, insecure or framed origin is refused before anything starts', async () => {
  const b = new FakeBrowser();
  for (const origin of ['null', 'http://bank.example', 'https://bank.example/path']) {
    const page = await b.request(1, 'authenticate', { challenge: CHALLENGE }, { origin });
    assert.equal(codeOf(page), 'INSECURE_CONTEXT', origin);
  }
  const framed = new (await import('./support/fakes.js')).FakePort('mynakey-page', { tab: { id: 1 }, frameId: 3, origin: 'https://bank.example' });
  b.onConnect.emit(framed);
  framed.deliver({ action: 'authenticate', args: { challenge: CHALLENGE }, gesture: true });
  await settle();
  assert.equal(codeOf(framed), 'INSECURE_CONTEXT');
  assert.equal(b.hosts.length, 0);
});

test('bad input is refused before any window: challenge, hashes, names, action', async () => {
  const b = new FakeBrowser();
  const cases = /** @type {const} */ ([
    ['authenticate', { challenge: 'short' }, 'CHALLENGE_INVALID'],
    ['sign', { ...signArgs, hashes: ['AAAA'] }, 'BAD_REQUEST'],
    ['sign', { ...signArgs, hashAlgorithm: 'MD5' }, 'BAD_REQUEST'],
    ['sign', { ...signArgs, hashes: Array(101).fill(HASH), documentNames: undefined }, 'BAD_REQUEST'],
    ['sign', { ...signArgs, documentNames: ['a', 'b'] }, 'BAD_REQUEST'],
    ['unknown', {}, 'BAD_REQUEST'],
  ]);
  for (const [action, args, code] of cases) assert.equal(codeOf(await b.request(1, action, args)), code, `${action} ${JSON.stringify(args).slice(0, 40)}`);
  assert.equal(b.hosts.length, 0);
});

test('one slot per tab: the same tab gets REQUEST_PENDING, another tab its own window, told nothing', async () => {
  const b = new FakeBrowser();
  const first = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const again = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(codeOf(again), 'REQUEST_PENDING');
  const other = await b.request(2, 'authenticate', { challenge: CHALLENGE }, { origin: 'https://shop.example' });
  assert.deepEqual(other.sent, [], 'tab 2 is not refused because of tab 1');
  assert.equal(b.openWindows.length, 2);
  assert.deepEqual(first.sent, []);
});

test('while one tab’s request has the card, another tab’s window says so and its PIN is dropped unsent', async () => {
  const b = new FakeBrowser();
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  await submitInWindow(b, '1234'); // tab 1: working
  const hostA = b.host;
  const pageB = await b.request(2, 'authenticate', { challenge: CHALLENGE }, { origin: 'https://shop.example' });
  const uiB = await submitInWindow(b, '5678');
  assert.deepEqual(uiB.sent.at(-1), { type: 'retry', code: 'CARD_BUSY', reason: 'request', card: uiB.sent[0].card });
  assert.equal(b.host.requests.some((r) => r.arguments.pin === '5678'), false);
  assert.deepEqual(pageB.sent, [], 'tab 2’s page learns nothing about tab 1');
  hostA.answer({ format: 'web-eid:1.0' });
  await settle();
  uiB.deliver({ type: 'submit', pin: '5678' });
  await settle();
  assert.equal(b.host.cardRequest?.arguments.pin, '5678', 'after tab 1 finished, tab 2’s retry goes through');
});

test('status(): 1,000 posts from one tab start one host process; the answer is cached', async () => {
  const b = new FakeBrowser();
  /** @type {FakePort[]} */
  const pages = [];
  for (let i = 0; i < 1000; i++) {
    const p = b.pagePort(1);
    p.deliver({ action: 'status', args: {} });
    pages.push(p);
  }
  await settle();
  assert.equal(b.hosts.length, 1);
  for (const p of pages) assert.deepEqual(p.sent, [{ result: { extension: '0.1.0', host: { version: '0.1.0', protocol: 1 } } }]);
  assert.equal(b.host.open, false, 'the status host is closed after its answer');
  await b.request(2, 'status');
  assert.equal(b.hosts.length, 1, 'another tab within 10 s: cached');
});

test('document names reach the window cleaned of hidden characters', async () => {
  const b = new FakeBrowser();
  await b.request(1, 'sign', { ...signArgs, certificate: undefined, documentNames: ['invoice\u202Efdp.exe'] });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.deepEqual(ui.sent[0].documentNames, ['invoice fdp.exe']);
  assert.equal(ui.sent[0].origin, 'https://bank.example');
});

test('held session reused: the sign continues without a gesture, a new host or a password', async () => {
  const b = new FakeBrowser();
  const held = await holdSession(b);
  const page = await b.request(1, 'sign', signArgs, { gesture: false });
  assert.equal(b.hosts.length, 1, 'no new host process: the verified one');
  const ui = await submitInWindow(b);
  assert.equal(ui.sent[0].pinKind, null);
  const req = held.cardRequest;
  assert.equal(req?.command, 'sign');
  assert.equal(req?.arguments.pin, undefined);
  assert.equal(req?.arguments.timeoutMs, undefined);
  held.answer(SIGNED);
  await settle();
  assert.deepEqual(page.sent, [{ result: SIGNED }]);
  assert.equal(held.open, false);
});

test('held session expired in the host: the window asks for the password, on the same port', async () => {
  const b = new FakeBrowser();
  const held = await holdSession(b);
  const page = await b.request(1, 'sign', signArgs, { gesture: false });
  const ui = await submitInWindow(b);
  held.fail('BAD_REQUEST', { reason: 'no signing session is held' });
  await settle();
  assert.ok(ui.sent.some((m) => m.type === 'needPin' && m.pinKind === 'sign'));
  assert.deepEqual(page.sent, []);
  ui.deliver({ type: 'submit', pin: 'abc123' });
  await settle();
  assert.equal(held.cardRequest?.arguments.pin, 'ABC123', 'the signing password goes upper-cased');
  assert.equal(held.cardRequest?.arguments.timeoutMs, 120000);
});

test('held session expired here (HOLD_MS): its host closes, and a sign needs a gesture again', async () => {
  const b = new FakeBrowser();
  const held = await holdSession(b);
  await b.clock.advance(HOLD_MS);
  assert.equal(held.open, false);
  assert.equal(codeOf(await b.request(1, 'sign', signArgs, { gesture: false })), 'USER_ACTIVATION_REQUIRED');
});

test('held session: a closed tab, another origin, another certificate or another tab cannot use it', async () => {
  const b = new FakeBrowser();
  let held = await holdSession(b);
  b.onTabRemoved.emit(1);
  assert.equal(held.open, false, 'tab closed: dropped at once');

  held = await holdSession(b);
  assert.equal(codeOf(await b.request(1, 'sign', signArgs, { gesture: false, origin: 'https://evil.example' })), 'USER_ACTIVATION_REQUIRED');
  assert.equal(codeOf(await b.request(1, 'sign', { ...signArgs, certificate: 'MIIBother' }, { gesture: false })), 'USER_ACTIVATION_REQUIRED');
  assert.equal(codeOf(await b.request(2, 'sign', signArgs, { gesture: false })), 'USER_ACTIVATION_REQUIRED');
  assert.equal(held.open, true, 'still held for tab 1');

  // Another tab asking with a gesture: its window says the card is in use; the PIN stays here.
  await b.request(2, 'authenticate', { challenge: CHALLENGE }, { origin: 'https://shop.example' });
  const ui = await submitInWindow(b, '1234');
  assert.equal(ui.sent.at(-1).code, 'CARD_BUSY');

  // A new request from tab 1 itself ends its held session.
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(held.open, false);
});

test('held session: the host exiting drops it', async () => {
  const b = new FakeBrowser();
  const held = await holdSession(b);
  held.exit();
  assert.equal(codeOf(await b.request(1, 'sign', signArgs, { gesture: false })), 'USER_ACTIVATION_REQUIRED');
});

/** A login whose first try met a smartphone token on the reader. */
async function phoneTokenShown() {
  const b = new FakeBrowser();
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await submitInWindow(b, '1234');
  b.host.fail('UNSUPPORTED_TOKEN');
  await settle();
  return { b, page, ui };
}

test('UNSUPPORTED_TOKEN: the window says to use the card and lets the person retry; giving up tells the page', async () => {
  const { page, ui } = await phoneTokenShown();
  assert.ok(ui.sent.some((m) => m.type === 'retry' && m.code === 'UNSUPPORTED_TOKEN'));
  assert.deepEqual(page.sent, [], 'the window stays for the card');
  ui.deliver({ type: 'cancel' });
  await settle();
  assert.equal(codeOf(page), 'UNSUPPORTED_TOKEN');
});

test('UNSUPPORTED_TOKEN then the card: the retry succeeds', async () => {
  const { b, page, ui } = await phoneTokenShown();
  ui.deliver({ type: 'submit', pin: '1234' });
  await settle();
  b.host.answer({ format: 'web-eid:1.0' });
  await settle();
  assert.deepEqual(page.sent, [{ result: { format: 'web-eid:1.0' } }]);
});

test('a card problem that ends the request (CARD_ERROR) reaches the page with its details', async () => {
  const b = new FakeBrowser();
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  await submitInWindow(b, '1234');
  b.host.fail('CARD_ERROR', { sw: '6F00' });
  await settle();
  assert.deepEqual(page.sent, [{ error: { code: 'CARD_ERROR', sw: '6F00', hostMessage: 'CARD_ERROR' } }]);
  assert.deepEqual(b.openWindows, []);
});

test('no card: the window polls the host every second until the card is there', async () => {
  const b = new FakeBrowser();
  b.hostOptions.readers = [{ name: 'reader 0', card: 'absent' }];
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.equal(ui.sent[0].card.state, 'absent');
  b.host.options.readers = [JPKI_READER];
  await b.clock.advance(POLL_MS);
  assert.deepEqual(ui.sent.at(-1), { type: 'card', card: { state: 'present', readers: ['reader 0'], reader: 'reader 0', triesLeft: 3 }, needLastTry: false });
  const statuses = b.host.requests.filter((r) => r.command === 'status').length;
  await b.clock.advance(POLL_MS * 5);
  assert.equal(b.host.requests.filter((r) => r.command === 'status').length, statuses, 'a present card stops the polling');
});

test('several cards: the person picks the reader, and the request names it', async () => {
  const b = new FakeBrowser();
  b.hostOptions.readers = [JPKI_READER, { ...JPKI_READER, name: 'reader 1', authPinTriesLeft: 1 }];
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.equal(ui.sent[0].card.state, 'multiple');
  ui.deliver({ type: 'reader', reader: 'reader 1' });
  await settle();
  assert.deepEqual(ui.sent.at(-1), { type: 'card', card: { state: 'present', readers: ['reader 0', 'reader 1'], reader: 'reader 1', triesLeft: 1 }, needLastTry: true });
  ui.deliver({ type: 'reader', reader: 'not a reader' });
  ui.deliver({ type: 'submit', pin: '1234', allowLastTry: true });
  await settle();
  assert.equal(b.host.cardRequest?.arguments.reader, 'reader 1');
  assert.equal(b.host.cardRequest?.arguments.allowLastTry, true);
});

test('only the consent page may connect as the window', async () => {
  const b = new FakeBrowser();
  await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const flowId = new URL(/** @type {string} */ (b.windows.get(b.openWindows[0])?.url)).searchParams.get('flow');
  const { FakePort } = await import('./support/fakes.js');
  const forged = new FakePort('mynakey-consent', { url: 'https://evil.example/consent.html' });
  b.onConnect.emit(forged);
  forged.deliver({ type: 'hello', flow: flowId });
  assert.equal(forged.open, false);
  assert.equal(b.flow(1)?.state.name, 'loading');
});

test('a smartphone token: the window is told it is a phone (to keep on the reader), the page is not', async () => {
  const b = new FakeBrowser();
  b.hostOptions.readers = [{ ...JPKI_READER, tokenKind: 'android', tokenLabel: 'JPKIAPGPSETOKEN' }];
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.deepEqual(ui.sent[0].card, { state: 'present', readers: ['reader 0'], reader: 'reader 0', triesLeft: 3, token: 'android' });
  ui.deliver({ type: 'submit', pin: '1234' });
  await settle();
  b.host.answer({ format: 'web-eid:1.0' });
  await settle();
  assert.deepEqual(page.sent, [{ result: { format: 'web-eid:1.0' } }], 'nothing about the token reaches the page');
});

test('PIN_LAST_TRY without a count (a phone that gives none): the window warns it is unknown, the retry confirms', async () => {
  const b = new FakeBrowser();
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await submitInWindow(b, '1234');
  b.host.fail('PIN_LAST_TRY');
  await settle();
  assert.deepEqual(ui.sent.at(-1), { type: 'lastTry', unknown: true });
  ui.deliver({ type: 'submit', pin: '1234', allowLastTry: true });
  await settle();
  const logins = b.host.requests.filter((r) => r.command === 'authenticate');
  assert.equal(logins.at(-1)?.arguments.allowLastTry, true);
  b.host.answer({ format: 'web-eid:1.0' });
  await settle();
  assert.deepEqual(page.sent, [{ result: { format: 'web-eid:1.0' } }]);
});
