// The request flow as a state machine: every state × every event that can arrive in it, against
// the real background on fake ports, a fake host and a fake windows/tabs API (support/fakes.js).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { CONNECT_MS, Flow, TRANSITIONS, USER_TIMEOUT_MS } from '../src/flow.js';
import { FakeBrowser, JPKI_READER, codeOf, settle } from './support/fakes.js';
/** @import { FakePort } from './support/fakes.js' */
/** @import { StateName } from '../src/flow.js' */

// Every transition any test below makes; the last test checks that together they cover TRANSITIONS.
/** @type {Set<string>} */
const taken = new Set();
const go = Flow.prototype.go;
/** @param {import('../src/flow.js').FlowState} next */
Flow.prototype.go = function (next) {
  taken.add(`${this.state.name}→${next.name}`);
  go.call(this, next);
};

const CHALLENGE = `${'A'.repeat(43)}=`;
const PROOF = { format: 'web-eid:1.0', unverifiedCertificate: 'MIIB', algorithm: 'RS256', signature: 'c2ln', appVersion: 'x' };

/**
 * @typedef {object} Scene
 * @property {FakeBrowser} b
 * @property {FakePort} page
 * @property {FakePort | null} ui the consent window's port, once connected
 * @property {Flow} flow
 */

/**
 * A login flow driven into `state`.
 * @param {StateName} state
 * @returns {Promise<Scene>}
 */
async function reach(state) {
  const b = new FakeBrowser();
  if (state === 'starting') b.hostOptions.holdVersion = true;
  if (state === 'opening') b.createMode = 'hold';
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const flow = /** @type {Flow} */ (b.flow(1));
  /** @type {FakePort | null} */
  let ui = null;
  if (['asking', 'working', 'blocked', 'done'].includes(state)) ui = await b.connectWindow(b.openWindows[0]);
  if (['working', 'blocked', 'done'].includes(state)) {
    ui?.deliver({ type: 'submit', pin: '1234' });
    await settle();
  }
  if (state === 'blocked') b.host.fail('PIN_BLOCKED', { triesLeft: 0 });
  if (state === 'done') b.host.answer(PROOF);
  await settle();
  assert.equal(flow.state.name, state, `reached ${state}`);
  return { b, page, ui, flow };
}

/** A host answer to no request the extension made: must change nothing. @param {string} code */
const stray = (code) => async (/** @type {Scene} */ s) => {
  s.b.host.deliver({ id: 999, error: { code, message: code } });
};

/** A host error for the card request in flight, or a stray one when none is. @param {string} code @param {object} [details] */
const hostFails = (code, details = {}) => async (/** @type {Scene} */ s) => {
  if (s.b.host.cardRequest) s.b.host.fail(code, details);
  else await stray(code)(s);
};

/** @type {Record<string, (s: Scene) => Promise<void>>} */
const EVENTS = {
  cancel: async (s) => s.ui?.deliver({ type: 'cancel' }),
  windowClosed: async (s) => {
    const id = s.flow.windowId ?? s.b.nextWindowId - 1;
    await s.b.closeWindow(id, s.ui ?? undefined);
  },
  tabClosed: (s) => s.b.closeTab(1, s.page),
  hostExit: async (s) => s.b.host.exit(),
  wrongPin: hostFails('PIN_INCORRECT', { triesLeft: 2 }),
  lastTry: hostFails('PIN_LAST_TRY', { triesLeft: 1 }),
  blocked: hostFails('PIN_BLOCKED', { triesLeft: 0 }),
  cardRemoved: hostFails('CARD_REMOVED'),
  userTimeout: (s) => s.b.clock.advance(USER_TIMEOUT_MS),
};

/**
 * Expected: the state after the event, the page's answer (an error code, 'result', or null for
 * none yet), and the window's last message type where it matters. `n/a`: the event cannot arrive
 * in that state (no window yet to cancel or close).
 * @typedef {{ state: StateName; answer: string | null; window?: string } | 'n/a'} Outcome
 */
/**
 * Host errors arriving when no card request is in flight (stray answers): nothing changes.
 * @param {StateName} state
 */
const noCardRequest = (state) => ({
  wrongPin: { state, answer: null },
  lastTry: { state, answer: null },
  blocked: { state, answer: null },
  cardRemoved: { state, answer: null },
});

/** @type {Record<StateName, Record<keyof typeof EVENTS, Outcome>>} */
const TABLE = {
  starting: {
    cancel: 'n/a',
    windowClosed: 'n/a',
    tabClosed: { state: 'done', answer: null },
    hostExit: { state: 'done', answer: 'HOST_UNAVAILABLE' },
    ...noCardRequest('starting'),
    userTimeout: { state: 'done', answer: 'HOST_UNAVAILABLE' }, // the 5 s handshake gives up first
  },
  // In `opening` the window's creation is released right after the event.
  opening: {
    cancel: 'n/a',
    windowClosed: { state: 'done', answer: 'USER_CANCELLED' }, // closed before its id was known
    tabClosed: { state: 'done', answer: null },
    hostExit: { state: 'done', answer: 'HOST_UNAVAILABLE' },
    ...noCardRequest('loading'),
    userTimeout: { state: 'done', answer: 'TIMEOUT' },
  },
  loading: {
    cancel: 'n/a',
    windowClosed: { state: 'done', answer: 'USER_CANCELLED' },
    tabClosed: { state: 'done', answer: null },
    hostExit: { state: 'done', answer: 'HOST_UNAVAILABLE' },
    ...noCardRequest('loading'),
    userTimeout: { state: 'done', answer: 'USER_CANCELLED' }, // its page never connected (CONNECT_MS)
  },
  asking: {
    cancel: { state: 'done', answer: 'USER_CANCELLED' },
    windowClosed: { state: 'done', answer: 'USER_CANCELLED' },
    tabClosed: { state: 'done', answer: null },
    hostExit: { state: 'done', answer: 'HOST_UNAVAILABLE' },
    ...noCardRequest('asking'),
    userTimeout: { state: 'done', answer: 'TIMEOUT' },
  },
  working: {
    cancel: { state: 'done', answer: 'USER_CANCELLED' },
    windowClosed: { state: 'done', answer: 'USER_CANCELLED' },
    tabClosed: { state: 'done', answer: null },
    hostExit: { state: 'done', answer: 'HOST_UNAVAILABLE' },
    wrongPin: { state: 'asking', answer: null, window: 'retry' },
    lastTry: { state: 'asking', answer: null, window: 'lastTry' },
    blocked: { state: 'blocked', answer: null, window: 'blocked' },
    cardRemoved: { state: 'asking', answer: null, window: 'card' },
    userTimeout: { state: 'done', answer: 'TIMEOUT' },
  },
  blocked: {
    cancel: { state: 'done', answer: 'PIN_BLOCKED' },
    windowClosed: { state: 'done', answer: 'PIN_BLOCKED' },
    tabClosed: { state: 'blocked', answer: null }, // the advice stays until the window closes
    hostExit: { state: 'blocked', answer: null },
    ...noCardRequest('blocked'),
    userTimeout: { state: 'done', answer: 'PIN_BLOCKED' },
  },
  // After the answer, nothing can change it or send a second one.
  done: /** @type {Record<keyof typeof EVENTS, Outcome>} */ (Object.fromEntries(Object.keys(EVENTS).map((e) => [e, { state: 'done', answer: 'result' }]))),
};

for (const [state, row] of Object.entries(TABLE)) {
  for (const [event, expected] of Object.entries(row)) {
    if (expected === 'n/a') continue;
    test(`${state} × ${event} → ${expected.state}${expected.answer ? ` (${expected.answer})` : ''}`, async () => {
      const s = await reach(/** @type {StateName} */ (state));
      await EVENTS[event](s);
      await settle();
      if (state === 'opening') s.b.releaseCreate();
      await settle();
      const { b, page, flow, ui } = s;
      assert.equal(flow.state.name, expected.state);
      // Exactly one answer, and only when the flow is done (none reaches a closed tab).
      if (expected.answer === null) assert.deepEqual(page.sent, []);
      else if (expected.answer === 'result') assert.deepEqual(page.sent, [{ result: PROOF }]);
      else {
        assert.equal(codeOf(page), expected.answer);
        assert.equal(page.sent.length, 1);
      }
      // The tab's slot is free exactly when the flow is done.
      assert.equal(b.flow(1), expected.state === 'done' ? null : flow);
      // A window is open while the flow is live (after `starting`), never after.
      const windowExpected = ['loading', 'asking', 'working', 'blocked'].includes(expected.state);
      assert.equal(b.openWindows.length, windowExpected ? 1 : 0, 'open windows');
      // Done: no host process left running.
      if (expected.state === 'done' || expected.state === 'blocked') assert.ok(b.hosts.every((h) => !h.open), 'hosts closed');
      if (expected.window) assert.equal(ui?.sent.at(-1)?.type, expected.window);
    });
  }
}

test('working: a second submit while the PIN is with the host sends nothing (one entry = one VERIFY at most)', async () => {
  const { b, ui } = await reach('working');
  ui?.deliver({ type: 'submit', pin: '9999' });
  await settle();
  const card = b.host.requests.filter((r) => r.command === 'authenticate');
  assert.equal(card.length, 1);
  assert.equal(card[0].arguments.pin, '1234');
  assert.equal(card[0].arguments.origin, 'https://bank.example', 'the origin is the browser’s');
});

test('working × wrongPin: the tries left reach the window, nothing is retried by itself', async () => {
  const { b, ui, page } = await reach('working');
  b.host.fail('PIN_INCORRECT', { triesLeft: 2 });
  await settle();
  assert.deepEqual(ui?.sent.at(-1), { type: 'retry', code: 'PIN_INCORRECT', triesLeft: 2, needLastTry: false });
  assert.equal(b.host.requests.filter((r) => r.command === 'authenticate').length, 1);
  ui?.deliver({ type: 'submit', pin: '4321' });
  await settle();
  assert.equal(b.host.cardRequest?.arguments.pin, '4321');
  b.host.answer(PROOF);
  await settle();
  assert.deepEqual(page.sent, [{ result: PROOF }]);
});

test('working × lastTry: the last try goes only with the box ticked', async () => {
  const { b, ui } = await reach('working');
  b.host.fail('PIN_LAST_TRY', { triesLeft: 1 });
  await settle();
  ui?.deliver({ type: 'submit', pin: '1234' });
  await settle();
  assert.equal(ui?.sent.at(-1)?.type, 'lastTry', 'not confirmed: asked again, nothing sent');
  assert.equal(b.host.requests.filter((r) => r.command === 'authenticate').length, 1);
  ui?.deliver({ type: 'submit', pin: '1234', allowLastTry: true });
  await settle();
  assert.equal(b.host.cardRequest?.arguments.allowLastTry, true);
});

test('working × cancel: the host is told to stop the request, then its port closes', async () => {
  const { b, ui } = await reach('working');
  const target = b.host.cardRequest?.id;
  ui?.deliver({ type: 'cancel' });
  await settle();
  assert.deepEqual(b.host.requests.at(-1), { id: /** @type {number} */ (target) + 1, command: 'cancel', arguments: { target } });
  assert.equal(b.host.open, false);
});

test('asking: a malformed PIN never reaches the host', async () => {
  const { b, ui } = await reach('asking');
  for (const pin of ['123', '12345', 'abcd', '']) ui?.deliver({ type: 'submit', pin });
  await settle();
  assert.equal(b.host.cardRequest, null);
  assert.deepEqual(ui?.sent.at(-1), { type: 'retry', code: 'PIN_FORMAT' });
});

test('loading: a window whose page never connects ends the request after CONNECT_MS', async () => {
  const { b, page } = await reach('loading');
  await b.clock.advance(CONNECT_MS - 1);
  assert.deepEqual(page.sent, []);
  await b.clock.advance(1);
  assert.equal(codeOf(page), 'USER_CANCELLED');
  assert.deepEqual(b.openWindows, []);
});

test('loading → blocked: a PIN already blocked is explained at once; PIN_BLOCKED only when the window closes', async () => {
  const b = new FakeBrowser();
  b.hostOptions.readers = [{ ...JPKI_READER, authPinTriesLeft: 0 }];
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.equal(ui.sent.at(-1).type, 'blocked');
  assert.deepEqual(page.sent, []);
  const again = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(codeOf(again), 'REQUEST_PENDING', 'the slot is kept while the advice is shown');
  await b.closeWindow(b.openWindows[0], ui);
  assert.equal(codeOf(page), 'PIN_BLOCKED');
  assert.equal(b.flow(1), null);
});

test('asking → blocked: a card read only after the window connected shows a blocked PIN at once', async () => {
  const b = new FakeBrowser();
  b.hostOptions = { holdCard: true, commands: ['version', 'prepare'] };
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  const ui = await b.connectWindow(b.openWindows[0]);
  assert.equal(ui.sent[0].card, null, 'the window opened before the card was read');
  b.host.answerCard([{ ...JPKI_READER, authPinTriesLeft: 0 }]);
  await settle();
  assert.deepEqual(ui.sent.slice(1).map((m) => m.type), ['card', 'blocked']);
  assert.deepEqual(page.sent, []);
  await b.closeWindow(b.openWindows[0], ui);
  assert.equal(codeOf(page), 'PIN_BLOCKED');
});

test('opening: the window cannot be created → USER_CANCELLED', async () => {
  const b = new FakeBrowser();
  b.createMode = 'fail';
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(codeOf(page), 'USER_CANCELLED');
  assert.equal(b.flow(1), null);
  assert.ok(b.hosts.every((h) => !h.open));
});

test('starting: a host of another protocol → HOST_UNAVAILABLE, no window', async () => {
  const b = new FakeBrowser();
  b.hostOptions.protocol = 2;
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(codeOf(page), 'HOST_UNAVAILABLE');
  assert.deepEqual(b.openWindows, []);
});

test('starting: the host missing → HOST_UNAVAILABLE, no window', async () => {
  const b = new FakeBrowser();
  b.connectNativeFails = true;
  const page = await b.request(1, 'authenticate', { challenge: CHALLENGE });
  assert.equal(codeOf(page), 'HOST_UNAVAILABLE');
  assert.deepEqual(b.openWindows, []);
});

test('starting → opening: the handshake answered late still opens the window', async () => {
  const { b, flow } = await reach('starting');
  b.host.answerVersion();
  await settle();
  assert.equal(flow.state.name, 'loading');
});

test('a window that connects when its flow is not waiting for it is sent away', async () => {
  const { b } = await reach('asking');
  const second = await b.connectWindow(b.openWindows[0]);
  assert.equal(second.open, false, 'disconnected: the flow already has its window');
});

after(() => {
  const all = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`));
  const missing = all.filter((t) => !taken.has(t));
  const unknown = [...taken].filter((t) => !all.includes(t));
  assert.deepEqual(missing, [], 'every transition is exercised');
  assert.deepEqual(unknown, [], 'no transition outside the table');
});
