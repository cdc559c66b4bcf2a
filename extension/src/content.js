// mynakey content script: the bridge between a web page and the extension.
//
// It runs in every top-level https page (and http://localhost, http://127.0.0.1 for development),
// in the isolated world, so the page cannot touch it. It does three things only:
//   1. accept `mynakey:request` messages that the page posts to itself (window.postMessage);
//   2. answer `mynakey:ack` at once, so the page library knows the extension is installed;
//   3. forward {action, args} to the background over a runtime port and post the answer back as
//      `mynakey:response`.
// It adds nothing: not the origin (the background takes it from the browser), not the PIN
// (typed only in the extension's own window). The one thing it vouches for is whether the person
// just did something on the page (activation.js): a trusted pointerdown or keydown, used up by
// the first request that opens a window.
import { NEEDS_GESTURE, createActivation } from './activation.js';

(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const ACTIONS = new Set(['status', 'authenticate', 'getSigningCertificate', 'sign']);

  // An opaque origin (a sandboxed page) has no site to stand for: it gets no bridge at all.
  if (window.origin === 'null') return;

  const activation = createActivation();
  /** @param {KeyboardEvent | PointerEvent} ev */
  const onGesture = (ev) => {
    if (ev.isTrusted && !(ev instanceof KeyboardEvent && ev.repeat)) activation.gesture(performance.now());
  };
  // Capture on window, registered before any page script runs: the page cannot hide a gesture,
  // and cannot make one (its synthetic events are not trusted).
  window.addEventListener('pointerdown', onGesture, true);
  window.addEventListener('keydown', onGesture, true);

  /** @param {object} msg */
  function post(msg) {
    try {
      window.postMessage(msg, window.location.origin);
    } catch {
      // An opaque origin ("null", e.g. a sandboxed page) cannot be targeted: nothing to answer.
    }
  }

  window.addEventListener('message', (ev) => {
    if (ev.source !== window || ev.origin !== window.location.origin) return;
    const d = ev.data;
    if (!d || typeof d !== 'object' || d.type !== 'mynakey:request' || typeof d.id !== 'string') return;
    const id = d.id;
    post({ type: 'mynakey:ack', id });
    if (!window.isSecureContext) {
      post({ type: 'mynakey:response', id, error: { code: 'INSECURE_CONTEXT' } });
      return;
    }
    if (!ACTIONS.has(d.action)) {
      post({ type: 'mynakey:response', id, error: { code: 'BAD_REQUEST', reason: 'action' } });
      return;
    }
    let answered = false;
    /** @param {{ error?: unknown; result?: unknown }} m */
    const answer = (m) => {
      if (answered) return;
      answered = true;
      post({ type: 'mynakey:response', id, ...(m.error ? { error: m.error } : { result: m.result }) });
    };
    let port;
    try {
      port = api.runtime.connect({ name: 'mynakey-page' });
    } catch {
      // The extension was updated or removed since this page loaded.
      answer({ error: { code: 'EXTENSION_UNAVAILABLE' } });
      return;
    }
    port.onMessage.addListener((m) => {
      answer(m && typeof m === 'object' ? m : { error: { code: 'INTERNAL' } });
      port.disconnect();
    });
    port.onDisconnect.addListener(() => answer({ error: { code: 'EXTENSION_UNAVAILABLE' } }));
    // Structured clone of plain data only: anything else the page put in args is dropped here.
    let args;
    try {
      args = JSON.parse(JSON.stringify(d.args ?? {}));
    } catch {
      answer({ error: { code: 'BAD_REQUEST', reason: 'args' } });
      port.disconnect();
      return;
    }
    const gesture = NEEDS_GESTURE.has(d.action) ? activation.take(performance.now()) : false;
    port.postMessage({ action: d.action, args, gesture });
  });
})();
