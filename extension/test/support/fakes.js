// Fakes of everything the background touches: a clock, runtime ports, the native host, and the
// windows/tabs API. A test starts the real background (service.js) on them and drives it by
// hand, so minutes of flow run in milliseconds with no browser.
import { startBackground } from '../../src/service.js';
/** @import { BrowserApi, Clock, Event, MessageSender, Port } from '../../src/browser-api.js' */

/** Timers that run only when the test advances time. */
export class FakeClock {
  constructor() {
    this.t = 0;
    this.nextId = 1;
    /** @type {Map<number, { at: number; fn: () => void }>} */
    this.timers = new Map();
  }

  now() {
    return this.t;
  }

  /** @param {() => void} fn @param {number} ms */
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  /** @param {unknown} id */
  clearTimeout(id) {
    this.timers.delete(/** @type {number} */ (id));
  }

  /** Moves time forward by `ms`, running each timer that falls due (and what it awaits) in order. @param {number} ms */
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every pending promise callback run. */
export async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/**
 * @template {(...args: any[]) => unknown} F
 * @implements {Event<F>}
 */
export class FakeEvent {
  constructor() {
    /** @type {Set<F>} */
    this.listeners = new Set();
  }

  /** @param {F} f */
  addListener(f) {
    this.listeners.add(f);
  }

  /** @param {F} f */
  removeListener(f) {
    this.listeners.delete(f);
  }

  /** @param {Parameters<F>} args */
  emit(...args) {
    for (const f of [...this.listeners]) f(...args);
  }
}

/**
 * One end of a runtime port as the background sees it. `sent` is what the background posted;
 * `deliver` is the other side posting; `close` is the other side going away.
 * @implements {Port}
 */
export class FakePort {
  /** @param {string} name @param {MessageSender} [sender] */
  constructor(name, sender) {
    this.name = name;
    this.sender = sender;
    /** @type {any[]} */
    this.sent = [];
    this.open = true;
    /** @type {{ message?: string } | null} */
    this.error = null;
    /** @type {FakeEvent<(message: unknown, port: Port) => void>} */
    this.onMessage = new FakeEvent();
    /** @type {FakeEvent<(port: Port) => void>} */
    this.onDisconnect = new FakeEvent();
  }

  /** @param {unknown} message */
  postMessage(message) {
    if (!this.open) throw new Error('Attempting to use a disconnected port object');
    this.sent.push(structuredClone(message));
  }

  /** The background disconnects: no onDisconnect on its own side, as in browsers. */
  disconnect() {
    this.open = false;
  }

  /** @param {unknown} message */
  deliver(message) {
    if (this.open) this.onMessage.emit(message, this);
  }

  close() {
    if (!this.open) return;
    this.open = false;
    this.onDisconnect.emit(this);
  }
}

/** A reader with the simulated card, as the host's status reports it. */
export const JPKI_READER = { name: 'reader 0', card: 'jpki', authPinTriesLeft: 3, signPinTriesLeft: 5, hasSigningCertificate: true };
export const CERTIFICATE = 'MIIBsigningcertificate';

/**
 * @typedef {object} HostOptions
 * @property {boolean} [holdVersion] `version` waits for answerVersion()
 * @property {boolean} [holdCard] `status` / `prepare` wait for answerCard()
 * @property {string[]} [commands] listed in the `version` answer (a host with `prepare`)
 * @property {object[]} [readers] what status/prepare report
 * @property {number} [protocol]
 */

/**
 * The native host behind one connectNative port. version, status and prepare answer at once
 * (unless `holdVersion` / `holdCard`); card requests (authenticate, getSigningCertificate, sign)
 * wait for the test's `answer` or `fail`; `cancel` fails its target with CANCELLED, as the real
 * host does.
 */
export class FakeHost extends FakePort {
  /** @param {HostOptions} options */
  constructor(options) {
    super('jp.mynakey.host');
    this.options = options;
    /** @type {{ id: number; command: string; arguments: Record<string, any> }[]} every request, in order */
    this.requests = [];
    /** @type {Map<number, { id: number; command: string; arguments: Record<string, any> }>} */
    this.waiting = new Map();
  }

  /** @override @param {any} m */
  postMessage(m) {
    super.postMessage(m);
    const copy = structuredClone(m); // what crossed the port: later changes to `m` do not travel
    this.requests.push(copy);
    queueMicrotask(() => this.handle(copy));
  }

  /** @param {{ id: number; command: string; arguments: Record<string, any> }} m */
  handle(m) {
    if (!this.open) return;
    if (m.command === 'version') {
      if (!this.options.holdVersion) this.reply(m.id, { result: this.versionResult() });
      else this.waiting.set(m.id, m);
    } else if ((m.command === 'status' || m.command === 'prepare') && !this.options.holdCard) {
      this.reply(m.id, { result: this.cardResult(m) });
    } else if (m.command === 'cancel') {
      const target = this.waiting.get(m.arguments.target);
      this.reply(m.id, { result: { cancelled: target !== undefined } });
      if (target) this.fail('CANCELLED', {}, m.arguments.target);
    } else {
      this.waiting.set(m.id, m);
    }
  }

  versionResult() {
    const v = { version: '0.1.0', protocol: this.options.protocol ?? 1 };
    return this.options.commands ? { ...v, commands: this.options.commands } : v;
  }

  /** What status or prepare answers. @param {{ command: string; arguments: Record<string, any> }} m */
  cardResult(m) {
    const readers = this.options.readers ?? [JPKI_READER];
    if (m.command === 'status') return { version: '0.1.0', protocol: 1, pcsc: 'ok', transport: 'simulator', readers };
    const jpki = readers.filter((r) => /** @type {any} */ (r).card === 'jpki');
    const chosen = m.arguments.reader ? jpki.find((r) => /** @type {any} */ (r).name === m.arguments.reader) : jpki.length === 1 ? jpki[0] : null;
    const prepared = chosen && { reader: /** @type {any} */ (chosen).name, action: m.arguments.action, holdMs: 60000 };
    return prepared ? { pcsc: 'ok', readers, prepared } : { pcsc: 'ok', readers };
  }

  /** Answers the held status or prepare with `readers` (default: the host's). @param {object[]} [readers] */
  answerCard(readers) {
    const r = [...this.waiting.values()].find((x) => x.command === 'status' || x.command === 'prepare');
    if (!r) throw new Error('no status or prepare waiting');
    this.waiting.delete(r.id);
    if (readers) this.options.readers = readers;
    this.reply(r.id, { result: this.cardResult(r) });
  }

  /** @param {number} id @param {object} body */
  reply(id, body) {
    if (this.open) this.deliver({ id, ...body });
  }

  /** The card request waiting now (the test's view of "what the host is doing"). */
  get cardRequest() {
    const card = [...this.waiting.values()].filter((r) => !['version', 'status', 'prepare'].includes(r.command));
    return card.length ? card[card.length - 1] : null;
  }

  /** Answers the waiting card request. @param {object} result */
  answer(result) {
    const r = /** @type {any} */ (this.cardRequest);
    this.waiting.delete(r.id);
    this.reply(r.id, { result });
  }

  /** Fails the waiting card request (or `id`). @param {string} code @param {object} [details] @param {number} [id] */
  fail(code, details = {}, id) {
    const target = id ?? /** @type {any} */ (this.cardRequest).id;
    this.waiting.delete(target);
    this.reply(target, { error: { code, message: code, ...details } });
  }

  /** Answers the held version request. */
  answerVersion() {
    const v = [...this.waiting.values()].find((r) => r.command === 'version');
    if (!v) throw new Error('no version request waiting');
    this.waiting.delete(/** @type {any} */ (v).id);
    this.reply(/** @type {any} */ (v).id, { result: this.versionResult() });
  }

  /** The host process exits by itself. */
  exit() {
    this.close();
  }
}

/**
 * The browser around the background: runtime, windows and tabs, with knobs for the odd cases
 * (window creation held or failing, hosts that do not answer the handshake).
 */
export class FakeBrowser {
  constructor() {
    this.clock = new FakeClock();
    /** @type {FakeHost[]} every host process started */
    this.hosts = [];
    /** @type {HostOptions} for the next hosts */
    this.hostOptions = {};
    this.connectNativeFails = false;
    /** @type {Map<number, { url: string; open: boolean }>} */
    this.windows = new Map();
    this.nextWindowId = 100;
    /** @type {'open' | 'hold' | 'fail'} how windows.create behaves */
    this.createMode = 'open';
    /** @type {(() => void)[]} held windows.create calls, resolved by releaseCreate() */
    this.heldCreates = [];
    /** @type {FakeEvent<(port: Port) => void>} */
    this.onConnect = new FakeEvent();
    /** @type {FakeEvent<(windowId: number) => void>} */
    this.onWindowRemoved = new FakeEvent();
    /** @type {FakeEvent<(tabId: number) => void>} */
    this.onTabRemoved = new FakeEvent();
    const self = this;
    /** @type {BrowserApi} */
    this.api = {
      runtime: {
        connectNative() {
          if (self.connectNativeFails) throw new Error('Specified native messaging host not found.');
          const h = new FakeHost({ ...self.hostOptions });
          self.hosts.push(h);
          return h;
        },
        getURL: (path) => `chrome-extension://mynakey/${path}`,
        getManifest: () => ({ version: '0.1.0' }),
        lastError: null,
        onConnect: this.onConnect,
      },
      windows: {
        create(options) {
          if (self.createMode === 'fail') return Promise.reject(new Error('no window'));
          const id = self.nextWindowId++;
          self.windows.set(id, { url: options.url, open: true });
          if (self.createMode === 'hold') return new Promise((resolve) => self.heldCreates.push(() => resolve({ id })));
          return Promise.resolve({ id });
        },
        get: (id) => (self.windows.get(id)?.open ? Promise.resolve({ id }) : Promise.reject(new Error(`No window with id: ${id}.`))),
        async remove(id) {
          const w = self.windows.get(id);
          if (!w?.open) throw new Error(`No window with id: ${id}.`);
          w.open = false;
          self.onWindowRemoved.emit(id);
        },
        onRemoved: this.onWindowRemoved,
      },
      tabs: { onRemoved: this.onTabRemoved },
    };
    this.background = startBackground(this.api, this.clock);
  }

  /** The flow that holds the tab's slot, if any. @param {number} tabId */
  flow(tabId) {
    return this.background.slots.holder(tabId);
  }

  /** The last host process started. */
  get host() {
    return this.hosts[this.hosts.length - 1];
  }

  /** Windows still open. */
  get openWindows() {
    return [...this.windows].filter(([, w]) => w.open).map(([id]) => id);
  }

  releaseCreate() {
    for (const r of this.heldCreates.splice(0)) r();
  }

  /**
   * A page's port, as the content script opens it for one request.
   * @param {number} tabId @param {string} [origin]
   */
  pagePort(tabId, origin = 'https://bank.example') {
    const p = new FakePort('mynakey-page', { tab: { id: tabId }, frameId: 0, origin, url: `${origin}/` });
    this.onConnect.emit(p);
    return p;
  }

  /**
   * A page request, as the content script forwards it; resolves once the background settled.
   * @param {number} tabId @param {string} action @param {object} [args] @param {{ gesture?: boolean; origin?: string }} [opts]
   */
  async request(tabId, action, args = {}, { gesture = true, origin } = {}) {
    const page = this.pagePort(tabId, origin);
    page.deliver({ action, args, gesture });
    await settle();
    return page;
  }

  /**
   * The consent window's page connecting, as consent.js does: hello with the flow id from its URL.
   * @param {number} windowId
   */
  async connectWindow(windowId) {
    const w = this.windows.get(windowId);
    if (!w) throw new Error(`no window ${windowId}`);
    const url = w.url;
    const port = new FakePort('mynakey-consent', { url });
    this.onConnect.emit(port);
    port.deliver({ type: 'hello', flow: new URL(url).searchParams.get('flow') });
    await settle();
    return port;
  }

  /** The person closes a window (its page's port goes with it). @param {number} windowId @param {FakePort} [ui] */
  async closeWindow(windowId, ui) {
    ui?.close();
    await this.api.windows.remove(windowId).catch(() => {});
    await settle();
  }

  /** The tab goes away: its page port closes and tabs.onRemoved fires. @param {number} tabId @param {FakePort} page */
  async closeTab(tabId, page) {
    page.close();
    this.onTabRemoved.emit(tabId);
    await settle();
  }
}

/** The one answer a page got, or undefined. @param {FakePort} page */
export const answerOf = (page) => page.sent[0];
/** The answer's error code. @param {FakePort} page */
export const codeOf = (page) => page.sent[0]?.error?.code;
