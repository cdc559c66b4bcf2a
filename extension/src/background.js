// mynakey background: the only part of the extension that talks to the native host.
//
// Chromium runs this file as the MV3 service worker, Firefox as an event page
// (background.scripts); it uses nothing that differs between the two.
//
// Who talks to whom:
//   page ──postMessage──▶ content.js ──runtime.connect('mynakey-page')──▶ here
//   here ──windows.create──▶ consent.html ──runtime.connect('mynakey-consent')──▶ here
//   here ──runtime.connectNative('jp.mynakey.host')──▶ mynakey-host (protocol 1, design.md)
//
// Rules this file keeps:
//   - The origin sent to the host is taken from the browser (port.sender), never from the page.
//   - PINs arrive only from the consent window (an extension page), go straight into one host
//     request and are not kept; the page never sees them or their length.
//   - A wrong PIN is never retried automatically; the last try is used only after the person ticks
//     the warning in the window (then the request carries allowLastTry: true).
//   - Card problems (no reader, no card, card removed…) are shown in the window and can be retried;
//     only the outcome (result, PIN_BLOCKED, USER_CANCELLED, TIMEOUT or a fatal error) reaches the page.
//   - A window opens only right after a user gesture on the page (the content script says so), one
//     per gesture; a sign that continues a held session needs none.
//   - Tabs are independent: one request slot per tab, and nothing a page is told depends on
//     another tab's requests.
'use strict';

const api = globalThis.browser ?? globalThis.chrome;
// Chromium runs this file as a worker and loads the helpers here; Firefox's manifest lists them first.
if (typeof importScripts === 'function' && !globalThis.mynakeyRules) importScripts('rules.js', 'slots.js');
const { senderOrigin, cleanDocumentName, needsGesture } = globalThis.mynakeyRules;
const { createSlots, createStatusLimiter } = globalThis.mynakeySlots;

const HOST_NAME = 'jp.mynakey.host';
const PROTOCOL = 1;
const HANDSHAKE_MS = 5000; // version answer from the host, else HOST_UNAVAILABLE
const USER_TIMEOUT_MS = 5 * 60 * 1000; // a consent window left open this long fails with TIMEOUT
const CARD_WAIT_MS = 120000; // timeoutMs sent with card requests: the host waits this long for a card
const HOLD_MS = 115000; // the host holds a verified signing session ≤ 120 s; we give up a little earlier
const POLL_MS = 1000; // status polling while the window waits for a reader or card
const CONNECT_MS = 10000; // a window whose page has not connected by then failed to load
const CONSENT_PAGE = 'consent.html';

const HASH_LENGTHS = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
const AUTH_PIN = /^[0-9]{4}$/;
const SIGN_PIN = /^[A-Za-z0-9]{6,16}$/;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Host error codes the window handles itself (retry in the window) rather than passing to the page. */
const RETRIABLE = new Set([
  'PCSC_UNAVAILABLE', 'NO_READER', 'NO_CARD', 'NOT_JPKI_CARD', 'MULTIPLE_CARDS', 'CARD_REMOVED',
  'CARD_BUSY', 'TIMEOUT', 'CERTIFICATE_MISMATCH',
]);

class FlowError extends Error {
  constructor(code, details = {}) {
    super(code);
    this.code = code;
    this.details = details;
  }
}

const log = (...a) => console.debug('[mynakey]', ...a);

// ---------------------------------------------------------------------------------------------
// Native host connection: one port = one host process.

class NativeHost {
  constructor() {
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, onEvent}
    this.closed = false;
    this.closeReason = null;
    try {
      this.port = api.runtime.connectNative(HOST_NAME);
    } catch (e) {
      this.closed = true;
      this.closeReason = String((e && e.message) || e);
      return;
    }
    this.port.onMessage.addListener((msg) => this.onMessage(msg));
    this.port.onDisconnect.addListener((p) => {
      // Chromium reports why in runtime.lastError (read it here or it is lost), Firefox in port.error.
      const reason = (api.runtime.lastError && api.runtime.lastError.message)
        || (p && p.error && p.error.message) || 'Native host has exited.';
      this.fail(reason);
    });
  }

  fail(reason) {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    log('host closed:', reason);
    for (const r of this.pending.values()) r.reject(new FlowError('HOST_UNAVAILABLE', { reason }));
    this.pending.clear();
  }

  onMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    const r = this.pending.get(msg.id);
    if (!r) {
      log('unmatched host message', msg.error ? msg.error.code : msg.event);
      return;
    }
    if (typeof msg.event === 'string') {
      if (r.onEvent) r.onEvent(msg);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.error && typeof msg.error === 'object') {
      const { code, message, ...details } = msg.error;
      r.reject(new FlowError(typeof code === 'string' ? code : 'INTERNAL', { ...details, hostMessage: message }));
    } else {
      r.resolve(msg.result ?? {});
    }
  }

  /** Sends one request. Returns {id, done}; `done` settles with the result or a FlowError. */
  send(command, args, onEvent) {
    const id = this.nextId++;
    const done = new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new FlowError('HOST_UNAVAILABLE', { reason: this.closeReason }));
        return;
      }
      this.pending.set(id, { resolve, reject, onEvent });
      try {
        this.port.postMessage({ id, command, arguments: args ?? {} });
      } catch (e) {
        this.pending.delete(id);
        reject(new FlowError('HOST_UNAVAILABLE', { reason: String((e && e.message) || e) }));
      }
    });
    return { id, done };
  }

  /** version handshake: the host must answer within HANDSHAKE_MS and speak protocol 1. */
  async handshake() {
    const v = await withTimeout(this.send('version').done, HANDSHAKE_MS,
      () => new FlowError('HOST_UNAVAILABLE', { reason: 'no answer to version' }));
    if (v.protocol !== PROTOCOL) {
      throw new FlowError('HOST_UNAVAILABLE', { reason: 'protocol', hostVersion: v.version, hostProtocol: v.protocol });
    }
    return v;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = 'closed by the extension';
    for (const r of this.pending.values()) r.reject(new FlowError('CANCELLED'));
    this.pending.clear();
    try { this.port.disconnect(); } catch { /* already gone */ }
  }
}

function withTimeout(promise, ms, makeError) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(makeError()), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Checking what the page asks, before any window opens. The host checks again.

function validatePageRequest(action, args) {
  const a = args && typeof args === 'object' ? args : {};
  switch (action) {
    case 'status':
      return {};
    case 'authenticate': {
      const c = a.challenge;
      if (typeof c !== 'string' || c.length < 44 || c.length > 128 || !B64.test(c)) {
        throw new FlowError('CHALLENGE_INVALID');
      }
      return { challenge: c };
    }
    case 'getSigningCertificate':
      return {};
    case 'sign': {
      const len = HASH_LENGTHS[a.hashAlgorithm];
      if (!len) throw new FlowError('BAD_REQUEST', { reason: 'hashAlgorithm' });
      if (!Array.isArray(a.hashes) || a.hashes.length < 1 || a.hashes.length > 100) {
        throw new FlowError('BAD_REQUEST', { reason: 'hashes' });
      }
      for (const h of a.hashes) {
        if (typeof h !== 'string' || !B64.test(h) || b64Length(h) !== len) {
          throw new FlowError('BAD_REQUEST', { reason: 'hashes' });
        }
      }
      let names = a.documentNames;
      if (names === undefined && typeof a.documentName === 'string') names = [a.documentName];
      if (names !== undefined) {
        if (!Array.isArray(names) || names.length !== a.hashes.length || names.some((n) => typeof n !== 'string')) {
          throw new FlowError('BAD_REQUEST', { reason: 'documentNames' });
        }
      }
      const out = { hashAlgorithm: a.hashAlgorithm, hashes: [...a.hashes] };
      if (a.certificate !== undefined) {
        if (typeof a.certificate !== 'string' || !B64.test(a.certificate)) {
          throw new FlowError('BAD_REQUEST', { reason: 'certificate' });
        }
        out.certificate = a.certificate;
      }
      // Names are only shown to the person: no hidden characters, and short, so a page can
      // neither disguise nor flood them (rules.js).
      out.documentNames = names ? names.map(cleanDocumentName) : null;
      return out;
    }
    default:
      throw new FlowError('BAD_REQUEST', { reason: 'action' });
  }
}

function b64Length(s) {
  try { return atob(s).length; } catch { return -1; }
}

// ---------------------------------------------------------------------------------------------
// Held signing sessions (certificate first): after getSigningCertificate the host keeps the card
// verified on that very native port, so the port is kept here until the following sign, for the
// same tab and origin, or until HOLD_MS passes.

const held = new Map(); // tabId -> {host, origin, certificate, timer}

function dropHeld(tabId) {
  const s = held.get(tabId);
  if (!s) return;
  held.delete(tabId);
  clearTimeout(s.timer);
  s.host.close();
}

/** Whether a sign with this certificate would continue the tab's held session. */
function continuesHeld(tabId, origin, certificate) {
  const s = held.get(tabId);
  return !!s && s.origin === origin && s.certificate === certificate && !s.host.closed;
}

function takeHeld(tabId, origin, certificate) {
  if (!continuesHeld(tabId, origin, certificate)) return null;
  const s = held.get(tabId);
  held.delete(tabId);
  clearTimeout(s.timer);
  return s.host;
}

// ---------------------------------------------------------------------------------------------
// A flow: one page request from start to result, with its consent window.

const flows = new Map(); // flowId -> Flow, until the flow ends
const slots = createSlots(); // tabId -> Flow: one request per tab, until the page has its answer
const flowsByWindow = new Map(); // consent windowId -> Flow, until the page has its answer

class Flow {
  constructor(pagePort, origin, action, args) {
    this.id = crypto.randomUUID();
    this.pagePort = pagePort;
    this.tabId = pagePort.sender.tab.id;
    this.origin = origin;
    this.action = action;
    this.args = args;
    this.host = null;
    this.heldHost = false; // true: signing inside a held session, no password needed
    this.windowId = null;
    this.ui = null; // the consent window's port
    this.inflight = null; // {id} of the host request running now
    this.card = null; // what the window shows about readers and cards
    this.lastTryConfirmed = false;
    this.needLastTry = false;
    this.done = false;
    this.pollTimer = null;
    this.userTimer = null;
    this.connectTimer = null;
    this.deferred = null; // the page's answer, held back until the window goes away (PIN_BLOCKED)
  }

  get pinKind() {
    if (this.action === 'authenticate') return 'auth';
    return this.heldHost ? null : 'sign';
  }

  /** Call after the tab's slot was claimed for this flow. */
  async start() {
    flows.set(this.id, this);
    this.pagePort.onDisconnect.addListener(() => this.cancel('page gone'));
    try {
      if (this.action === 'sign' && this.args.certificate) {
        const h = takeHeld(this.tabId, this.origin, this.args.certificate);
        if (h) {
          this.host = h;
          this.heldHost = true;
        }
      }
      if (!this.host) {
        dropHeld(this.tabId); // a new request from this tab ends an older held session
        this.host = new NativeHost();
        await this.host.handshake();
        await this.refreshCard();
      }
      this.userTimer = setTimeout(() => this.timedOut(), USER_TIMEOUT_MS);
      let win;
      try {
        win = await api.windows.create({
          url: api.runtime.getURL(`${CONSENT_PAGE}?flow=${encodeURIComponent(this.id)}`),
          type: 'popup',
          width: 480,
          height: 720,
          focused: true,
        });
      } catch {
        this.cancel('no window'); // the person never saw a question: as if they had closed it
        return;
      }
      this.windowId = win.id;
      flowsByWindow.set(win.id, this);
      if (this.done && !this.deferred) {
        api.windows.remove(win.id).catch(() => {});
        return;
      }
      // Closed before we knew its id, windows.onRemoved could not match it: ask now.
      api.windows.get(win.id).catch(() => this.windowGone());
      this.connectTimer = setTimeout(() => {
        if (!this.ui && !this.done) this.cancel('window did not load');
      }, CONNECT_MS);
    } catch (e) {
      this.finish(e);
    }
  }

  /** Reads readers and tries left with the host's status command (spends no PIN try). */
  refreshCard() {
    // The host runs one card request at a time (status included): keep them in sequence.
    const run = (this.statusRun || Promise.resolve()).catch(() => {}).then(() => this.readCard());
    this.statusRun = run;
    return run;
  }

  async readCard() {
    if (!this.host) throw new FlowError('CANCELLED');
    const st = await this.host.send('status').done;
    const readers = Array.isArray(st.readers) ? st.readers : [];
    const jpki = readers.filter((r) => r.card === 'jpki');
    const key = this.action === 'authenticate' ? 'authPinTriesLeft' : 'signPinTriesLeft';
    let card;
    if (st.pcsc === 'unavailable') card = { state: 'pcscUnavailable' };
    else if (readers.length === 0) card = { state: 'noReader' };
    else if (jpki.length === 0) card = { state: readers.some((r) => r.card === 'other') ? 'notJpki' : 'absent' };
    else {
      const chosen = (this.card && this.card.reader && jpki.find((r) => r.name === this.card.reader)) || (jpki.length === 1 ? jpki[0] : null);
      card = {
        state: chosen ? 'present' : 'multiple',
        readers: jpki.map((r) => r.name),
        reader: chosen ? chosen.name : null,
        triesLeft: chosen && typeof chosen[key] === 'number' ? chosen[key] : null,
      };
      if (chosen && this.action !== 'authenticate' && chosen.hasSigningCertificate === false) card.state = 'noSigningCertificate';
    }
    this.card = card;
    if (card.triesLeft === 1) this.needLastTry = true;
    return card;
  }

  /** While no usable card is there, keeps asking the host (cheap, no PIN try) and updates the window. */
  schedulePoll() {
    clearTimeout(this.pollTimer);
    if (this.done || this.heldHost || !this.card || this.card.state === 'present' || this.card.state === 'multiple') return;
    this.pollTimer = setTimeout(async () => {
      if (this.done || this.inflight) return this.schedulePoll();
      try {
        await this.refreshCard();
        this.post({ type: 'card', card: this.card, needLastTry: this.needLastTry });
      } catch (e) {
        if (e.code === 'HOST_UNAVAILABLE') return this.finish(e);
      }
      this.schedulePoll();
    }, POLL_MS);
  }

  attachWindow(port) {
    if (this.ui) {
      port.disconnect();
      return;
    }
    this.ui = port;
    clearTimeout(this.connectTimer);
    port.onMessage.addListener((m) => this.onWindowMessage(m));
    port.onDisconnect.addListener(() => {
      this.ui = null;
      this.windowGone();
    });
    const a = this.args;
    this.post({
      type: 'init',
      origin: this.origin,
      action: this.action,
      pinKind: this.pinKind,
      documentNames: this.action === 'sign' ? (a.documentNames || a.hashes.map(() => null)) : null,
      card: this.card,
      needLastTry: this.needLastTry,
    });
    if (this.pinKind && this.card && this.card.triesLeft === 0) {
      // Already blocked: say so (and how to unlock) instead of asking for a PIN.
      this.finish(new FlowError('PIN_BLOCKED'), undefined, { keepWindow: true });
      this.post({ type: 'blocked' });
      return;
    }
    this.schedulePoll();
  }

  post(msg) {
    if (this.ui) {
      try { this.ui.postMessage(msg); } catch { /* window gone */ }
    }
  }

  onWindowMessage(m) {
    if (!m || typeof m !== 'object' || this.done) return;
    if (m.type === 'cancel') this.cancel('user');
    else if (m.type === 'submit') this.submit(m);
    else if (m.type === 'reader' && typeof m.reader === 'string' && this.card && (this.card.readers || []).includes(m.reader)) {
      this.card.reader = m.reader;
      this.refreshCard().then(() => this.post({ type: 'card', card: this.card, needLastTry: this.needLastTry }), () => {});
    }
  }

  /** One press of the window's OK button = at most one host request = at most one PIN try. */
  async submit(m) {
    if (this.inflight) return;
    let pin = typeof m.pin === 'string' ? m.pin : '';
    const kind = this.pinKind;
    if ((kind === 'auth' && !AUTH_PIN.test(pin)) || (kind === 'sign' && !SIGN_PIN.test(pin))) {
      pin = '';
      this.post({ type: 'retry', code: 'PIN_FORMAT' });
      return;
    }
    if (m.allowLastTry === true) this.lastTryConfirmed = true;
    if (kind && this.needLastTry && !this.lastTryConfirmed) {
      pin = '';
      this.post({ type: 'lastTry' });
      return;
    }
    if (this.cardBusyElsewhere()) {
      // Another tab's request has the card: say so here and let the person retry later. This
      // tab's page is told nothing, and the PIN is dropped unsent.
      pin = '';
      this.post({ type: 'retry', code: 'CARD_BUSY', reason: 'request', card: this.card });
      return;
    }
    const args = { origin: this.origin };
    if (kind) args.pin = kind === 'sign' ? pin.toUpperCase() : pin;
    pin = ''; // the only copy left is inside the host request below
    if (kind && this.lastTryConfirmed) args.allowLastTry = true;
    let command = this.action;
    if (this.action === 'authenticate') args.challenge = this.args.challenge;
    if (this.action === 'getSigningCertificate') args.hold = true;
    if (this.action === 'sign') {
      args.hashAlgorithm = this.args.hashAlgorithm;
      args.hashes = this.args.hashes;
      if (this.args.certificate) args.certificate = this.args.certificate;
    }
    if (!this.heldHost) {
      args.timeoutMs = CARD_WAIT_MS;
      if (this.card && this.card.reader) args.reader = this.card.reader;
    }
    clearTimeout(this.pollTimer);
    this.inflight = { id: null, done: Promise.resolve() }; // taken: a second submit waits for this one
    this.post({ type: 'busy' });
    await (this.statusRun || Promise.resolve()).catch(() => {});
    if (this.done) return;
    const req = this.host.send(command, args, (ev) => this.post({ type: 'progress', event: ev.event }));
    delete args.pin;
    this.inflight = req;
    try {
      const result = await req.done;
      this.inflight = null;
      if (this.done) return;
      if (this.action === 'getSigningCertificate') this.keepHeld(result.certificate);
      this.finish(null, result);
    } catch (e) {
      this.inflight = null;
      if (this.done) return;
      this.onHostError(e);
    }
  }

  onHostError(e) {
    const code = e.code;
    if (code === 'PIN_INCORRECT') {
      const n = e.details.triesLeft;
      if (n === 1) this.needLastTry = true;
      this.lastTryConfirmed = false;
      if (this.card) this.card.triesLeft = n;
      this.post({ type: 'retry', code, triesLeft: n, needLastTry: this.needLastTry });
    } else if (code === 'PIN_LAST_TRY') {
      this.needLastTry = true;
      this.lastTryConfirmed = false;
      if (this.card) this.card.triesLeft = 1;
      this.post({ type: 'lastTry' });
    } else if (code === 'PIN_BLOCKED') {
      // The window explains how to unlock and stays open; the page learns when it is closed.
      this.finish(e, undefined, { keepWindow: true });
      this.post({ type: 'blocked' });
    } else if (this.heldHost && code !== 'CANCELLED' && code !== 'HOST_UNAVAILABLE' && code !== 'CERTIFICATE_MISMATCH') {
      // The held session ended in the host (e.g. its 120 s passed): ask for the password on the same port.
      this.heldHost = false;
      this.post({ type: 'needPin', pinKind: 'sign' });
      this.refreshCard().then(() => this.post({ type: 'card', card: this.card, needLastTry: this.needLastTry }), () => {});
    } else if (RETRIABLE.has(code)) {
      if (code === 'MULTIPLE_CARDS' && Array.isArray(e.details.readers)) {
        this.card = { state: 'multiple', readers: e.details.readers.map((r) => (typeof r === 'string' ? r : r.name)), reader: null };
      }
      this.post({ type: 'retry', code, card: this.card });
      this.refreshCard().then(() => {
        this.post({ type: 'card', card: this.card, needLastTry: this.needLastTry });
        this.schedulePoll();
      }, () => {});
    } else {
      this.finish(e);
    }
  }

  /** Whether another tab's request is using the card now or holds a verified session on it. */
  cardBusyElsewhere() {
    if (this.heldHost) return false;
    for (const tabId of held.keys()) if (tabId !== this.tabId) return true;
    return slots.others(this.tabId).some((f) => f.inflight || (f.heldHost && f.host));
  }

  keepHeld(certificate) {
    const host = this.host;
    this.host = null; // not closed by finish()
    dropHeld(this.tabId);
    held.set(this.tabId, {
      host,
      origin: this.origin,
      certificate,
      timer: setTimeout(() => dropHeld(this.tabId), HOLD_MS),
    });
  }

  cancel(why) {
    if (this.done) return;
    log('cancel', why);
    const inflight = this.inflight;
    if (inflight && inflight.id !== null && this.host && !this.host.closed) {
      // Ask the host to stop waiting (for a card) and reset; then close the port shortly after.
      const host = this.host;
      this.host = null;
      host.send('cancel', { target: inflight.id }).done.catch(() => {});
      withTimeout(inflight.done, 1000, () => new Error('late')).catch(() => {}).finally(() => host.close());
    }
    this.finish(new FlowError(why === 'page gone' ? 'CANCELLED' : 'USER_CANCELLED'));
  }

  /**
   * Ends the flow. With keepWindow (PIN_BLOCKED) the window stays open with its advice, and the
   * page's answer and the tab's slot wait until the person closes it: a page that re-asks on
   * every answer cannot learn the card state over and over without anyone looking.
   */
  finish(error, result, { keepWindow = false } = {}) {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.connectTimer);
    flows.delete(this.id);
    if (this.host) this.host.close();
    this.host = null;
    let msg = { result };
    if (error) {
      const code = error instanceof FlowError ? error.code : 'INTERNAL';
      const details = error instanceof FlowError ? error.details : { reason: String(error) };
      msg = { error: { code, ...details } };
    }
    if (keepWindow && this.windowId !== null) {
      this.deferred = msg;
      return;
    }
    this.settle(msg);
    if (this.ui) {
      const ui = this.ui;
      this.ui = null;
      try { ui.disconnect(); } catch { /* gone */ }
    }
    if (this.windowId !== null) api.windows.remove(this.windowId).catch(() => {});
  }

  /** Answers the page and frees the tab's slot. */
  settle(msg) {
    clearTimeout(this.userTimer);
    slots.release(this.tabId, this);
    if (this.windowId !== null && flowsByWindow.get(this.windowId) === this) flowsByWindow.delete(this.windowId);
    reply(this.pagePort, msg);
  }

  /** The window went away, however (closed, crashed, never loaded): the request ends now. */
  windowGone() {
    if (this.deferred) {
      const msg = this.deferred;
      this.deferred = null;
      this.settle(msg);
    } else {
      this.cancel('window closed');
    }
  }

  timedOut() {
    if (this.deferred) {
      if (this.windowId !== null) api.windows.remove(this.windowId).catch(() => {});
      this.windowGone();
    } else {
      this.finish(new FlowError('TIMEOUT', { reason: 'user' }));
    }
  }
}

function reply(pagePort, msg) {
  try {
    pagePort.postMessage(msg);
  } catch { /* the page went away */ }
}

// ---------------------------------------------------------------------------------------------
// status(): versions only. It tells a page that mynakey works, not who is at the computer:
// readers, cards and tries left are shown in the consent window, never given to pages.

const statusLimiter = createStatusLimiter({ now: () => Date.now() });

async function pageStatus() {
  const host = new NativeHost();
  try {
    const v = await host.handshake();
    return {
      extension: api.runtime.getManifest().version,
      host: { version: v.version, protocol: v.protocol },
    };
  } finally {
    host.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points.

api.runtime.onConnect.addListener((port) => {
  if (port.name === 'mynakey-page') onPagePort(port);
  else if (port.name === 'mynakey-consent') onConsentPort(port);
  else port.disconnect();
});

function onPagePort(port) {
  const origin = senderOrigin(port.sender);
  port.onMessage.addListener((msg) => onPageRequest(port, origin, msg));
}

async function onPageRequest(port, origin, msg) {
  if (!origin) return reply(port, { error: { code: 'INSECURE_CONTEXT' } });
  let args;
  const action = msg && msg.action;
  try {
    args = validatePageRequest(action, msg && msg.args);
  } catch (e) {
    return reply(port, { error: { code: e.code, ...e.details } });
  }
  const tabId = port.sender.tab.id;
  if (action === 'status') {
    try {
      reply(port, { result: await statusLimiter.run(tabId, pageStatus) });
    } catch (e) {
      reply(port, { error: { code: e.code || 'INTERNAL', ...(e.details || {}) } });
    }
    return;
  }
  // The content script says whether a fresh gesture on the page came with this request.
  const continues = action === 'sign' && continuesHeld(tabId, origin, args.certificate);
  if (needsGesture(action, continues) && msg.gesture !== true) {
    return reply(port, { error: { code: 'USER_ACTIVATION_REQUIRED' } });
  }
  // One request per tab. Other tabs are neither mentioned nor focused: they are other sites.
  const flow = new Flow(port, origin, action, args);
  if (!slots.claim(tabId, flow)) return reply(port, { error: { code: 'REQUEST_PENDING' } });
  flow.start();
}

function onConsentPort(port) {
  // Only our own window may connect here (content scripts use 'mynakey-page').
  const url = port.sender && port.sender.url;
  if (!url || !url.startsWith(api.runtime.getURL(CONSENT_PAGE))) {
    port.disconnect();
    return;
  }
  port.onMessage.addListener(function hello(m) {
    port.onMessage.removeListener(hello);
    const flow = m && m.type === 'hello' ? flows.get(m.flow) : null;
    if (!flow || flow.done) {
      port.postMessage({ type: 'gone' });
      port.disconnect();
      return;
    }
    flow.attachWindow(port);
  });
}

// A closed tab ends its held signing session at once (otherwise HOLD_MS does). A held session
// serves only the origin that opened it, so navigating to another site cannot use it either.
api.tabs.onRemoved.addListener((tabId) => dropHeld(tabId));

// However a consent window goes away (closed by the person, by the system, before or after its
// page connected), its request ends at once.
api.windows.onRemoved.addListener((windowId) => {
  const flow = flowsByWindow.get(windowId);
  if (flow) flow.windowGone();
});
