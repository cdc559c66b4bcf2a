// A flow: one page request from start to answer, with its consent window, as a state machine.
//
//   starting ──host ready──▶ opening ──window created──▶ loading ──window connected──▶ asking
//   asking ──submit──▶ working ──PIN_INCORRECT / PIN_LAST_TRY / card problem / held expired──▶ asking
//   loading | asking (PIN already blocked) | working (PIN_BLOCKED) ──▶ blocked ──window gone──▶ done
//   any state ──result, cancel, window gone, page gone, host exit, timeout──▶ done
//
// Every event is a method; each looks at `state.name` first and either makes one of the
// transitions in TRANSITIONS or ignores the event. The page gets exactly one answer, when the
// flow reaches `done` (from `blocked` only once the window is gone: a page that re-asks on every
// answer cannot learn the card state again and again without anyone looking).
//
// The window opens as soon as the host has answered `version`; the card is read meanwhile and
// shown when known. With a host that offers `prepare` the card is read ahead while the person
// types (the certificate and the tries count for a login), so after the PIN only VERIFY,
// SELECT key and SIGN remain; an older host gets `status` and the request reads the card itself.
//
// Rules kept here:
//   - The origin sent to the host is the browser's (port.sender), never the page's.
//   - PINs arrive only from the consent window, go straight into one host request and are not
//     kept; one submit = at most one host request = at most one PIN try, never retried by itself.
//   - The last try is used only after the person ticked the warning (allowLastTry).
import { getDomain } from 'tldts';

import { FlowError, errorAnswer } from './errors.js';
import { watchFlow } from '#hooks';
import { withTimeout } from './host-port.js';
import { normalisePin, pinWellFormed } from './rules.js';
import { siteParts } from './site.js';
/** @import { BrowserApi, Clock, Port } from './browser-api.js' */
/** @import { AuthenticateArguments, GetSigningCertificateArguments, HostErrorCode, PrepareArguments, ProgressEvent, SignArguments, StatusResult } from './generated/protocol.js' */
/** @import { HostPort, HostRequest } from './host-port.js' */
/** @import { HeldSessions } from './held.js' */
/** @import { CardView, FromWindow, PageAnswer, PinKind, ToWindow } from './messages.js' */
/** @import { PageRequestArgs } from './page-requests.js' */

export const USER_TIMEOUT_MS = 5 * 60 * 1000; // a consent window left open this long fails with TIMEOUT
export const CARD_WAIT_MS = 120000; // timeoutMs sent with card requests: the host waits this long for a card
export const POLL_MS = 1000; // status polling while the window waits for a reader or card
export const CONNECT_MS = 10000; // a window whose page has not connected by then failed to load
export const CANCEL_GRACE_MS = 1000; // after `cancel`, the host's answer is awaited this long before EOF
export const CONSENT_PAGE = 'consent.html';


/** @typedef {'starting' | 'opening' | 'loading' | 'asking' | 'working' | 'blocked' | 'done'} StateName */

/** The only transitions a flow makes (checked on every move, and by the unit tests). */
export const TRANSITIONS = /** @type {const} */ ({
  starting: ['opening', 'done'],
  opening: ['loading', 'done'],
  loading: ['asking', 'blocked', 'done'],
  asking: ['working', 'blocked', 'done'],
  working: ['asking', 'blocked', 'done'],
  blocked: ['done'],
  done: [],
});

/**
 * How the flow reacts to each host error while a request is in flight. Exhaustive: a code added
 * to the protocol does not compile until it is placed here (and in the window's texts).
 *   pin: wrong PIN, ask again · lastTry: warn, ask again with the box ticked · blocked: show how to
 *   unlock, answer when the window closes · retry: show it in the window, the person fixes it and
 *   retries · answer: end the flow with this code.
 * @type {Record<HostErrorCode, 'pin' | 'lastTry' | 'blocked' | 'retry' | 'answer'>}
 */
export const HOST_ERROR_REACTION = {
  BAD_REQUEST: 'answer',
  UNKNOWN_COMMAND: 'answer',
  MESSAGE_TOO_LARGE: 'answer',
  ORIGIN_INVALID: 'answer',
  CHALLENGE_INVALID: 'answer',
  PIN_FORMAT: 'retry',
  PCSC_UNAVAILABLE: 'retry',
  NO_READER: 'retry',
  NO_CARD: 'retry',
  NOT_JPKI_CARD: 'retry',
  MULTIPLE_CARDS: 'retry',
  CARD_REMOVED: 'retry',
  CARD_BUSY: 'retry',
  PIN_INCORRECT: 'pin',
  PIN_LAST_TRY: 'lastTry',
  PIN_BLOCKED: 'blocked',
  NO_SIGNING_CERTIFICATE: 'answer',
  // A phone held to the reader: the window says to use the card itself and lets the person retry;
  // if they give up there, the page gets this code rather than USER_CANCELLED.
  UNSUPPORTED_TOKEN: 'retry',
  CERTIFICATE_MISMATCH: 'retry',
  CARD_ERROR: 'answer',
  TIMEOUT: 'retry',
  CANCELLED: 'answer',
  INTERNAL: 'answer',
};

/** Window problems that, when the person gives up on them, are the page's answer. */
const ANSWER_ON_GIVE_UP = new Set(['UNSUPPORTED_TOKEN']);

/**
 * @typedef {object} FlowContext what a flow needs from the background
 * @property {BrowserApi} api
 * @property {Clock} clock
 * @property {HeldSessions} held
 * @property {() => HostPort} newHost
 * @property {(flow: Flow) => boolean} cardBusyElsewhere whether another tab's request uses the card now
 * @property {(flow: Flow, windowId: number) => void} windowOpened
 * @property {(flow: Flow) => void} ended the page has its answer: free the tab's slot
 */

/**
 * The state and what belongs to it alone.
 * @typedef {{ name: 'starting' }
 *   | { name: 'opening' }
 *   | { name: 'loading'; windowId: number; connectTimer: unknown }
 *   | { name: 'asking'; windowId: number; shown: HostErrorCode | null }
 *   | { name: 'working'; windowId: number; request: HostRequest | null }
 *   | { name: 'blocked'; windowId: number; answer: PageAnswer }
 *   | { name: 'done' }} FlowState
 */

/**
 * Who holds the secret: the auth PIN, the signing password, or nobody (a sign continuing a
 * held session). `lastTry`: 'no', 'ask' (one try left, not confirmed) or 'confirmed'.
 * @typedef {{ kind: PinKind; lastTry: 'no' | 'ask' | 'confirmed' }} PinState
 */

export class Flow {
  /**
   * @param {FlowContext} ctx
   * @param {Port} pagePort
   * @param {number} tabId
   * @param {string} origin taken from the browser
   * @param {Exclude<PageRequestArgs, { action: 'status' }>} request
   */
  constructor(ctx, pagePort, tabId, origin, request) {
    this.ctx = ctx;
    this.id = crypto.randomUUID();
    this.pagePort = pagePort;
    this.tabId = tabId;
    this.origin = origin;
    this.request = request;
    /** @type {FlowState} */
    this.state = { name: 'starting' };
    /** @type {HostPort | null} */
    this.host = null;
    /** @type {PinState} */
    this.pin = { kind: request.action === 'authenticate' ? 'auth' : 'sign', lastTry: 'no' };
    /** @type {CardView | null} what the window shows about readers and cards */
    this.card = null;
    /** Whether the host offers `prepare` (listed in its `version` answer). */
    this.canPrepare = false;
    /** @type {Port | null} the consent window's port, once its page connected */
    this.ui = null;
    /** Host card requests run one at a time (status included): each waits for the one before. */
    this.cardQueue = Promise.resolve();
    /** Card reads asked for and not yet ended: with none, the next one is sent at once. */
    this.cardReads = 0;
    this.userTimer = ctx.clock.setTimeout(() => this.userTimeout(), USER_TIMEOUT_MS);
    /** @type {unknown} */
    this.pollTimer = null;
    /** When each step happened, in the test build (hooks.js); the store build notes nothing. */
    this.watch = watchFlow();
  }

  // ------------------------------------------------------------------ transitions

  /** @param {FlowState} next */
  go(next) {
    const allowed = /** @type {readonly StateName[]} */ (TRANSITIONS[this.state.name]);
    if (!allowed.includes(next.name)) throw new Error(`flow: no transition ${this.state.name} → ${next.name}`);
    this.state = next;
  }

  /** The window's id, from `loading` on. */
  get windowId() {
    const s = this.state;
    return 'windowId' in s ? s.windowId : null;
  }

  /** starting: connect (or take the held session) and open the window; the card is read meanwhile. */
  async start() {
    this.watch.step('start');
    try {
      const continued = this.request.action === 'sign'
        ? this.ctx.held.take(this.tabId, this.origin, this.request.certificate) : null;
      if (continued) {
        this.host = continued;
        this.pin.kind = null;
      } else {
        this.ctx.held.drop(this.tabId); // a new request from this tab ends an older held session
        this.host = this.ctx.newHost();
        const version = await this.host.handshake();
        this.watch.step('hostReady');
        this.canPrepare = Array.isArray(version.commands) && version.commands.includes('prepare');
      }
      if (this.state.name !== 'starting') return;
      this.host.onExit = (reason) => this.hostExit(reason);
      if (this.host.closed) return this.hostExit(this.host.closedBecause ?? '');
      this.go({ name: 'opening' });
      // Read while the window opens: it shows the card when known rather than waiting for it.
      if (!continued) this.refreshCard();
    } catch (e) {
      return this.finish(e);
    }
    await this.openWindow();
  }

  /** opening: the window is being created; its id is not known yet. */
  async openWindow() {
    const { api } = this.ctx;
    let windowId;
    this.watch.step('windowAsked');
    try {
      const win = await api.windows.create({
        url: api.runtime.getURL(`${CONSENT_PAGE}?flow=${encodeURIComponent(this.id)}`),
        type: 'popup', width: 480, height: 720, focused: true,
      });
      windowId = win.id;
      this.watch.step('windowCreated');
    } catch { /* below */ }
    if (windowId === undefined) {
      // The person never saw a question: as if they had closed it.
      return this.finish(new FlowError('USER_CANCELLED'));
    }
    if (this.state.name !== 'opening') {
      // Ended while the window was on its way (page gone, host exit, timeout).
      api.windows.remove(windowId).catch(() => {});
      return;
    }
    const connectTimer = this.ctx.clock.setTimeout(() => this.connectTimeout(), CONNECT_MS);
    this.go({ name: 'loading', windowId, connectTimer });
    this.ctx.windowOpened(this, windowId);
    // Closed before its id was known, windows.onRemoved could not match it: ask now.
    api.windows.get(windowId).catch(() => this.windowGone());
  }

  /**
   * loading → asking (or blocked): the window's page connected.
   * @param {Port} port
   */
  windowConnected(port) {
    const s = this.state;
    if (s.name !== 'loading') {
      port.disconnect();
      return;
    }
    this.ctx.clock.clearTimeout(s.connectTimer);
    this.watch.step('windowConnected');
    this.ui = port;
    port.onMessage.addListener((m) => this.windowMessage(/** @type {FromWindow} */ (m)));
    port.onDisconnect.addListener(() => {
      this.ui = null;
      this.windowGone();
    });
    const r = this.request;
    this.post({
      type: 'init',
      origin: this.origin,
      // Split here, where the Public Suffix List is loaded once, not in every window.
      site: siteParts(this.origin, getDomain),
      action: r.action,
      pinKind: this.pin.kind,
      documentNames: r.action === 'sign' ? (r.documentNames ?? r.hashes.map(() => null)) : null,
      card: this.card,
      needLastTry: this.pin.lastTry !== 'no',
      ...this.watch.forWindow(),
    });
    if (this.blockedAlready()) return;
    this.go({ name: 'asking', windowId: s.windowId, shown: null });
    this.schedulePoll();
  }

  /** Already blocked: say so (and how to unlock) instead of asking for a PIN. */
  blockedAlready() {
    if (!this.pin.kind || this.card?.triesLeft !== 0) return false;
    this.block(new FlowError('PIN_BLOCKED', { triesLeft: 0 }));
    return true;
  }

  /** @param {FromWindow} m */
  windowMessage(m) {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'cancel') this.cancel();
    else if (m.type === 'submit') void this.submit(m);
    else if (m.type === 'reader') this.readerChosen(m.reader);
  }

  /**
   * asking → working: one press of the window's OK button = at most one host request.
   * @param {{ pin?: unknown; allowLastTry?: unknown }} m
   */
  async submit(m) {
    const s = this.state;
    if (s.name !== 'asking') return; // working: the PIN already went; blocked, done: nothing to do
    // The PIN is never stored on the flow: it lives in this call and in the host request only.
    const pin = typeof m.pin === 'string' ? m.pin : '';
    const kind = this.pin.kind;
    if (!pinWellFormed(kind, pin)) return this.post({ type: 'retry', code: 'PIN_FORMAT' });
    if (m.allowLastTry === true) this.pin.lastTry = 'confirmed';
    if (kind && this.pin.lastTry === 'ask') return this.post({ type: 'lastTry' });
    if (this.ctx.cardBusyElsewhere(this)) {
      // Another tab's request has the card: say so here and let the person retry later. This
      // tab's page is told nothing, and the PIN is dropped unsent.
      return this.post({ type: 'retry', code: 'CARD_BUSY', reason: 'request', card: this.card });
    }
    const args = this.hostArguments(kind ? normalisePin(kind, pin) : null);
    this.ctx.clock.clearTimeout(this.pollTimer);
    this.go({ name: 'working', windowId: s.windowId, request: null });
    this.post({ type: 'busy' });
    await this.cardQueue;
    const w = this.state;
    if (w.name !== 'working' || !this.host) return; // ended while a status read finished
    const req = this.host.send(this.request.action, args, (ev) => this.progress(ev));
    delete /** @type {{ pin?: string }} */ (args).pin; // the port has serialized it; no copy stays here
    w.request = req;
    let result;
    try {
      result = await req.done;
    } catch (e) {
      if (this.state === w) this.hostError(/** @type {FlowError} */ (e));
      return;
    }
    if (this.state === w) this.succeeded(result);
  }

  /**
   * The host request's arguments for this flow, typed by the protocol's declarations.
   * @param {string | null} pin null only inside a held session
   * @returns {AuthenticateArguments | GetSigningCertificateArguments | SignArguments}
   */
  hostArguments(pin) {
    /** @type {{ allowLastTry?: boolean; reader?: string; timeoutMs?: number }} */
    const card = {};
    if (pin !== null && this.pin.lastTry === 'confirmed') card.allowLastTry = true;
    if (pin !== null) {
      card.timeoutMs = CARD_WAIT_MS;
      if (this.card?.reader) card.reader = this.card.reader;
    }
    const r = this.request;
    switch (r.action) {
      case 'authenticate':
        return { origin: this.origin, challenge: r.challenge, pin: pin ?? '', ...card };
      case 'getSigningCertificate':
        return { origin: this.origin, pin: pin ?? '', hold: true, ...card };
      case 'sign': {
        /** @type {SignArguments} */
        const args = { origin: this.origin, hashAlgorithm: r.hashAlgorithm, hashes: r.hashes, ...card };
        if (pin !== null) args.pin = pin;
        if (r.certificate) args.certificate = r.certificate;
        return args;
      }
    }
  }

  /** @param {ProgressEvent} ev */
  progress(ev) {
    if (this.state.name === 'working') this.post({ type: 'progress', event: ev.event });
  }

  /**
   * working → done: the host answered.
   * @param {any} result
   */
  succeeded(result) {
    if (this.request.action === 'getSigningCertificate' && this.host && typeof result?.certificate === 'string') {
      // The host keeps the card verified on this port for the sign that follows.
      const host = this.host;
      this.host = null; // not closed by finish()
      this.ctx.held.keep(this.tabId, host, this.origin, result.certificate);
    }
    this.finish(null, result);
  }

  /**
   * working → asking, blocked or done: the host refused.
   * @param {FlowError} e
   */
  hostError(e) {
    const s = this.state;
    if (s.name !== 'working') return;
    const code = /** @type {HostErrorCode} */ (e.code);
    if (!Object.hasOwn(HOST_ERROR_REACTION, code)) return this.finish(e); // HOST_UNAVAILABLE, or a code from a newer host
    const reaction = HOST_ERROR_REACTION[code];
    // In a held session no PIN went, so any other refusal (but a cancel or another card) means the
    // session ended in the host (e.g. its 120 s passed): ask for the password on the same port.
    const heldSessionEnded = this.pin.kind === null && reaction !== 'pin' && reaction !== 'lastTry'
      && reaction !== 'blocked' && code !== 'CANCELLED' && code !== 'CERTIFICATE_MISMATCH';
    if (heldSessionEnded) {
      this.pin.kind = 'sign';
      this.ask(null);
      this.post({ type: 'needPin', pinKind: 'sign' });
      this.refreshCard();
      return;
    }
    switch (reaction) {
      case 'pin': {
        const n = typeof e.details.triesLeft === 'number' ? e.details.triesLeft : null;
        this.pin.lastTry = n === 1 ? 'ask' : 'no';
        if (this.card) this.card.triesLeft = n;
        this.ask(code);
        this.post({ type: 'retry', code, triesLeft: n ?? undefined, needLastTry: this.pin.lastTry !== 'no' });
        // The card was reset after the wrong PIN: read it ahead again for the next one.
        if (this.canPrepare) this.refreshCard();
        return;
      }
      case 'lastTry': {
        // No count (a smartphone token that does not report one): every try might be the last.
        const unknown = typeof e.details.triesLeft !== 'number';
        this.pin.lastTry = 'ask';
        if (this.card) this.card.triesLeft = unknown ? null : 1;
        this.ask(code);
        return this.post(unknown ? { type: 'lastTry', unknown } : { type: 'lastTry' });
      }
      case 'blocked':
        return this.block(e);
      case 'retry':
        if (code === 'MULTIPLE_CARDS' && Array.isArray(e.details.readers)) {
          const readers = e.details.readers.map((r) => (typeof r === 'string' ? r : String(r?.name)));
          this.card = { state: 'multiple', readers, reader: null };
        }
        this.ask(code);
        this.post({ type: 'retry', code, card: this.card });
        this.refreshCard();
        return;
      case 'answer':
        return this.finish(e);
    }
  }

  /**
   * working → asking, remembering which problem the window shows.
   * @param {HostErrorCode | null} shown
   */
  ask(shown) {
    const s = this.state;
    if (s.name === 'working') this.go({ name: 'asking', windowId: s.windowId, shown });
  }

  /**
   * loading | asking | working → blocked: the window explains how to unlock and stays open; the
   * page's answer and the tab's slot wait until the person closes it.
   * @param {FlowError} e
   */
  block(e) {
    const s = this.state;
    if (s.name !== 'loading' && s.name !== 'asking' && s.name !== 'working') return;
    this.stopTimers();
    this.closeHost();
    this.go({ name: 'blocked', windowId: s.windowId, answer: errorAnswer(e) });
    this.post({ type: 'blocked' });
  }

  /** asking: the person chose a reader among several cards. @param {unknown} reader */
  readerChosen(reader) {
    if (this.state.name !== 'asking' || typeof reader !== 'string' || !this.card?.readers?.includes(reader)) return;
    this.card.reader = reader;
    this.refreshCard();
  }

  // ------------------------------------------------------------------ the card, read with prepare or status

  /** Reads readers and tries left (spends no PIN try): `prepare` when the host has it, else `status`. */
  readCard() {
    // With nothing queued the request goes out in this tick, before whatever the caller does next:
    // in Firefox a `windows.create` posted first would hold it back (see docs/performance.md).
    const run = this.cardReads === 0 ? this.readCardNow() : this.cardQueue.then(() => this.readCardNow());
    this.cardReads += 1;
    this.cardQueue = run.then(() => {}, () => {}).then(() => { this.cardReads -= 1; });
    return run;
  }

  async readCardNow() {
    if (!this.host) throw new FlowError('CANCELLED');
    const reader = this.card?.reader ?? null;
    /** @type {PrepareArguments} */
    const args = { action: this.request.action === 'authenticate' ? 'authenticate' : 'sign' };
    if (reader) args.reader = reader;
    const req = this.canPrepare ? this.host.send('prepare', args) : this.host.send('status');
    this.watch.firstStep('cardAsked'); // posted on the port
    /** @type {Pick<StatusResult, 'pcsc' | 'readers'>} */
    const st = await req.done;
    this.watch.firstStep('cardRead'); // the first read only
    this.card = cardView(st, this.request.action, reader);
    if (this.card.triesLeft === 1 && this.pin.lastTry === 'no') this.pin.lastTry = 'ask';
    return this.card;
  }

  /**
   * Re-reads the card and shows it; keeps polling while no usable card is there. Before the
   * window is connected the card goes into its `init` instead.
   */
  refreshCard() {
    this.readCard().then(() => {
      const s = this.state;
      if (s.name !== 'asking') return;
      this.post({ type: 'card', card: this.card, needLastTry: this.pin.lastTry !== 'no' });
      if (s.shown === null && this.blockedAlready()) return;
      this.schedulePoll();
    }, () => { /* the host exit, if that was it, arrives as its own event */ });
  }

  /** asking: while no usable card is there, asks the host every POLL_MS (cheap, no PIN try). */
  schedulePoll() {
    this.ctx.clock.clearTimeout(this.pollTimer);
    const c = this.card;
    if (this.pin.kind === null || !c || c.state === 'present' || c.state === 'multiple') return;
    this.pollTimer = this.ctx.clock.setTimeout(() => {
      if (this.state.name === 'asking') this.refreshCard();
    }, POLL_MS);
  }

  // ------------------------------------------------------------------ events that end the flow

  /** The person pressed Cancel or Esc (or closed the window): USER_CANCELLED from any live state. */
  cancel() {
    const s = this.state;
    if (s.name === 'blocked') return this.closeBlocked();
    if (s.name === 'asking' && s.shown && ANSWER_ON_GIVE_UP.has(s.shown)) {
      return this.finish(new FlowError(s.shown, { reason: 'user' }));
    }
    if (s.name === 'working' && s.request && this.host && !this.host.closed) {
      // Ask the host to stop waiting (for a card) and reset; close the port shortly after.
      const host = this.host;
      const request = s.request;
      this.host = null;
      host.send('cancel', { target: request.id }).done.catch(() => {});
      withTimeout(request.done, CANCEL_GRACE_MS, this.ctx.clock, () => new Error('late'))
        .catch(() => {}).finally(() => host.close());
    }
    this.finish(new FlowError('USER_CANCELLED'));
  }

  /** The window went away, however (closed, crashed, never loaded): the request ends now. */
  windowGone() {
    const s = this.state;
    if (s.name === 'blocked') {
      this.go({ name: 'done' });
      return this.answer(s.answer);
    }
    if (s.name === 'loading' || s.name === 'asking' || s.name === 'working') this.cancel();
  }

  /** loading: the window's page never connected (it failed to load). */
  connectTimeout() {
    if (this.state.name === 'loading') this.cancel();
  }

  /** The page's port closed (tab closed, navigated, reloaded): CANCELLED, nobody to answer. */
  pageGone() {
    const s = this.state;
    if (s.name === 'blocked' || s.name === 'done') return; // the advice stays until the window closes
    this.finish(new FlowError('CANCELLED'));
  }

  /** The host process went away by itself. @param {string} reason */
  hostExit(reason) {
    const s = this.state;
    if (s.name === 'blocked' || s.name === 'done') return;
    this.finish(new FlowError('HOST_UNAVAILABLE', { reason }));
  }

  /** Nobody finished the window within USER_TIMEOUT_MS. */
  userTimeout() {
    if (this.state.name === 'blocked') return this.closeBlocked();
    this.finish(new FlowError('TIMEOUT', { reason: 'user' }));
  }

  /** blocked → done: closes the advice window; the page gets PIN_BLOCKED now. */
  closeBlocked() {
    const s = this.state;
    if (s.name !== 'blocked') return;
    this.ctx.api.windows.remove(s.windowId).catch(() => {});
    this.windowGone();
  }

  /**
   * Any live state except blocked → done: answers the page, closes the host port and the window.
   * @param {unknown} error
   * @param {unknown} [result]
   */
  finish(error, result) {
    const s = this.state;
    if (s.name === 'done' || s.name === 'blocked') return;
    this.go({ name: 'done' });
    this.stopTimers();
    this.closeHost();
    this.answer(error ? errorAnswer(error) : { result });
    if (this.ui) {
      const ui = this.ui;
      this.ui = null;
      try { ui.disconnect(); } catch { /* gone */ }
    }
    if ('windowId' in s) this.ctx.api.windows.remove(s.windowId).catch(() => {});
  }

  /** @param {PageAnswer} msg */
  answer(msg) {
    this.ctx.clock.clearTimeout(this.userTimer);
    this.ctx.ended(this);
    try { this.pagePort.postMessage(msg); } catch { /* the page went away */ }
  }

  stopTimers() {
    this.ctx.clock.clearTimeout(this.pollTimer);
    if (this.state.name === 'loading') this.ctx.clock.clearTimeout(this.state.connectTimer);
  }

  closeHost() {
    if (this.host) {
      this.host.onExit = null;
      this.host.close();
    }
    this.host = null;
  }

  /** @param {ToWindow} msg */
  post(msg) {
    if (!this.ui) return;
    try { this.ui.postMessage(msg); } catch { /* window gone */ }
  }
}

/**
 * What the window shows about readers and cards, from the host's `status` or `prepare`.
 * @param {Pick<StatusResult, 'pcsc' | 'readers'>} st
 * @param {string} action
 * @param {string | null} chosenReader the reader the person picked before, if any
 * @returns {CardView}
 */
export function cardView(st, action, chosenReader) {
  const readers = Array.isArray(st.readers) ? st.readers : [];
  const jpki = readers.filter((r) => r.card === 'jpki');
  if (st.pcsc === 'unavailable') return { state: 'pcscUnavailable' };
  if (readers.length === 0) return { state: 'noReader' };
  if (jpki.length === 0) {
    if (readers.some((r) => r.card === 'busy')) return { state: 'busy' };
    return { state: readers.some((r) => r.card === 'other') ? 'notJpki' : 'absent' };
  }
  const chosen = jpki.find((r) => r.name === chosenReader) ?? (jpki.length === 1 ? jpki[0] : null);
  const tries = chosen && (action === 'authenticate' ? chosen.authPinTriesLeft : chosen.signPinTriesLeft);
  /** @type {CardView} */
  const card = {
    state: chosen ? 'present' : 'multiple',
    readers: jpki.map((r) => r.name),
    reader: chosen ? chosen.name : null,
    triesLeft: typeof tries === 'number' ? tries : null,
  };
  if (chosen && action !== 'authenticate' && chosen.hasSigningCertificate === false) card.state = 'noSigningCertificate';
  if (chosen?.tokenKind === 'android') card.token = 'android';
  return card;
}
