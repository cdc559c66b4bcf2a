// The background's wiring: the page port, the consent-window port, the browser's tab and window
// events, and the bookkeeping between flows (one slot per tab, held sessions, status limiter).
// background.js calls startBackground with the real API; the unit tests call it with fakes.
//
// Who talks to whom:
//   page ──postMessage──▶ content.js ──runtime.connect('mynakey-page')──▶ here
//   here ──windows.create──▶ consent.html ──runtime.connect('mynakey-consent')──▶ here
//   here ──runtime.connectNative('jp.mynakey.host')──▶ mynakey-host (protocol 1)
import { FlowError, errorAnswer } from './errors.js';
import { CONSENT_PAGE, Flow } from './flow.js';
import { createHeldSessions } from './held.js';
import { HOST_NAME, HostPort } from './host-port.js';
import { validatePageRequest } from './page-requests.js';
import { needsGesture, senderOrigin } from './rules.js';
import { createSlots, createStatusLimiter } from './slots.js';
/** @import { BrowserApi, Clock, Port } from './browser-api.js' */
/** @import { PageAnswer } from './messages.js' */

/** @type {Clock} */
const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (t)),
};

/**
 * Registers the background's listeners on `api`.
 * @param {BrowserApi} api
 * @param {Clock} [clock]
 */
export function startBackground(api, clock = realClock) {
  const newHost = () => new HostPort(() => api.runtime.connectNative(HOST_NAME), clock, () => api.runtime.lastError?.message);
  const held = createHeldSessions(clock);
  /** One request per tab, until its page has the answer. @type {ReturnType<typeof createSlots<Flow>>} */
  const slots = createSlots();
  /** @type {Map<string, Flow>} flows whose window may still connect, by flow id */
  const flows = new Map();
  /** @type {Map<number, Flow>} consent window id → flow, until the page has its answer */
  const byWindow = new Map();
  const statusLimiter = createStatusLimiter({ now: () => clock.now() });

  /** @type {import('./flow.js').FlowContext} */
  const ctx = {
    api,
    clock,
    held,
    newHost,
    cardBusyElsewhere: (flow) => flow.pin.kind !== null && (held.heldByOtherTab(flow.tabId)
      || slots.others(flow.tabId).some((f) => f.state.name === 'working' || (f.pin.kind === null && f.host !== null))),
    windowOpened: (flow, windowId) => byWindow.set(windowId, flow),
    ended: (flow) => {
      flows.delete(flow.id);
      slots.release(flow.tabId, flow);
      const w = flow.windowId;
      if (w !== null && byWindow.get(w) === flow) byWindow.delete(w);
    },
  };

  /**
   * status(): versions only. It tells a page that mynakey works, not who is at the computer:
   * readers, cards and tries left are shown in the consent window, never given to pages.
   */
  async function pageStatus() {
    const host = newHost();
    try {
      const v = await host.handshake();
      return { extension: api.runtime.getManifest().version, host: { version: v.version, protocol: v.protocol } };
    } finally {
      host.close();
    }
  }

  /** @param {Port} port @param {PageAnswer} msg */
  const reply = (port, msg) => {
    try { port.postMessage(msg); } catch { /* the page went away */ }
  };

  /**
   * @param {Port} port
   * @param {string | null} origin
   * @param {unknown} msg
   */
  async function onPageRequest(port, origin, msg) {
    const tabId = port.sender?.tab?.id;
    if (!origin || tabId === undefined) return reply(port, { error: { code: 'INSECURE_CONTEXT' } });
    const m = /** @type {{ action?: unknown; args?: unknown; gesture?: unknown }} */ (msg && typeof msg === 'object' ? msg : {});
    let request;
    try {
      request = validatePageRequest(m.action, m.args);
    } catch (e) {
      return reply(port, errorAnswer(e));
    }
    if (request.action === 'status') {
      try {
        reply(port, { result: await statusLimiter.run(tabId, pageStatus) });
      } catch (e) {
        reply(port, errorAnswer(e));
      }
      return;
    }
    // The content script says whether a fresh gesture on the page came with this request.
    const continues = request.action === 'sign' && held.continues(tabId, origin, request.certificate);
    if (needsGesture(request.action, continues) && m.gesture !== true) {
      return reply(port, errorAnswer(new FlowError('USER_ACTIVATION_REQUIRED')));
    }
    // One request per tab. Other tabs are neither mentioned nor focused: they are other sites.
    const flow = new Flow(ctx, port, tabId, origin, request);
    if (!slots.claim(tabId, flow)) {
      clock.clearTimeout(flow.userTimer);
      return reply(port, errorAnswer(new FlowError('REQUEST_PENDING')));
    }
    flows.set(flow.id, flow);
    port.onDisconnect.addListener(() => flow.pageGone());
    await flow.start();
  }

  /** @param {Port} port */
  function onConsentPort(port) {
    // Only our own window may connect here (content scripts use 'mynakey-page').
    const url = port.sender?.url;
    if (!url || !url.startsWith(api.runtime.getURL(CONSENT_PAGE))) {
      port.disconnect();
      return;
    }
    /** @param {unknown} m */
    const hello = (m) => {
      port.onMessage.removeListener(hello);
      const h = /** @type {{ type?: unknown; flow?: unknown }} */ (m && typeof m === 'object' ? m : {});
      const flow = h.type === 'hello' && typeof h.flow === 'string' ? flows.get(h.flow) : undefined;
      if (!flow || flow.state.name !== 'loading') {
        port.postMessage({ type: 'gone' });
        port.disconnect();
        return;
      }
      flow.windowConnected(port);
    };
    port.onMessage.addListener(hello);
  }

  api.runtime.onConnect.addListener((port) => {
    if (port.name === 'mynakey-page') {
      const origin = senderOrigin(port.sender);
      port.onMessage.addListener((msg) => void onPageRequest(port, origin, msg));
    } else if (port.name === 'mynakey-consent') {
      onConsentPort(port);
    } else {
      port.disconnect();
    }
  });

  // A closed tab ends its held signing session at once (otherwise HOLD_MS does). A held session
  // serves only the origin that opened it, so navigating to another site cannot use it either.
  api.tabs.onRemoved.addListener((tabId) => held.drop(tabId));

  // However a consent window goes away (closed by the person, by the system, before or after its
  // page connected), its request ends at once.
  api.windows.onRemoved.addListener((windowId) => byWindow.get(windowId)?.windowGone());

  return { slots, held, flows };
}
