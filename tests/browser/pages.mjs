// What the browser tests do in the relying party's page and read from the consent window, written
// once for both harnesses: harness.mjs (Playwright, Chromium) and both/driver.mjs (Puppeteer:
// Chromium over CDP, Firefox over WebDriver BiDi), which hand these on, and the browser benchmark.
// Only what the two drivers' pages do alike is used here: `page.evaluate(fn, arg)` with a single
// argument, and `page.mouse.click(x, y)`. Waits poll from node (the consent window's CSP forbids
// the string functions a driver-side wait could ship instead).

/** A well-formed challenge for calls whose proof is not checked. */
export const TEST_CHALLENGE = 'A'.repeat(43) + '=';

const POLL_MS = 50;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `fn(arg)` evaluated in `page` as soon as it is truthy (polled); fails naming `what` after
 * `timeout` ms.
 */
export async function until(page, fn, arg, { timeout = 30000, what }) {
  for (const end = Date.now() + timeout; ; await sleep(POLL_MS)) {
    const value = await page.evaluate(fn, arg);
    if (value) return value;
    if (Date.now() >= end) throw new Error(`${what}: nothing after ${timeout} ms`);
  }
}

/**
 * A user gesture on the page (a trusted click in its corner), as the person makes before the
 * page may ask for a login or a signature. page.evaluate alone is not one for the extension.
 */
export async function gesture(page) {
  await page.mouse.click(1, 1);
}

/** The page's #result once it has settled: {state: 'ok'|'error', body}. */
export const pageResult = (page, timeout = 30000) => until(page, () => {
  const el = document.querySelector('#result[data-state="ok"], #result[data-state="error"]');
  return el && { state: el.getAttribute('data-state'), body: JSON.parse(el.textContent ?? '') };
}, null, { timeout, what: "the page's #result" });

/**
 * Starts authenticate() in /library.html and keeps its outcome ('resolved' or the error code) in
 * window.outcome. `from`: 'gesture' (default; a click on the page first), 'page' (page code
 * alone, no gesture), 'timer' (page code, from a timer).
 */
export async function startLogin(page, { from = 'gesture', challenge = TEST_CHALLENGE } = {}) {
  if (from === 'gesture') await gesture(page);
  await page.evaluate(([c, timer]) => {
    window.outcome = null;
    const run = () => window.mynakey.authenticate({ challenge: c }).then(() => 'resolved', (e) => e.code)
      .then((r) => { window.outcome = r; });
    if (timer) setTimeout(run, 0);
    else run();
  }, [challenge, from === 'timer']);
}

/** The outcome kept by startLogin(), once there is one. */
export const outcome = (page, timeout = 30000) =>
  until(page, () => window.outcome, null, { timeout, what: 'the outcome of startLogin()' });

// The consent window's record of its input gate exists in the extension's test build only
// (extension/src/test-hooks.js), which both harnesses load.

/** The window's record of its input gate: {delayMs, armed: [{why, at}], ignored: [{input, at}]}. */
export const gateLog = (win) => win.evaluate(() => globalThis.mynakeyGateLog);

/** Waits until the window's own record says its input gate (800 ms after it armed) is open. */
export const waitGateOpen = (win) => until(win, () => {
  const log = globalThis.mynakeyGateLog;
  const last = log && log.armed[log.armed.length - 1];
  return !!last && performance.now() - last.at >= log.delayMs;
}, null, { timeout: 20000, what: "the consent window's input gate" });
