// Requests need a user gesture on the page (issue 11, item 5): one window per click or key press,
// none from page code alone, and a refused page learns nothing new without the person.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { clickIn, consentWindow, gesture, launch, openPage, pressIn, startRp } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

const CHALLENGE = 'A'.repeat(43) + '=';
const hostStarts = (b) => b.hostLog().split('\n').filter((l) => l.startsWith('started:')).length;

/** Counts the consent windows the extension opens from now on. */
function countWindows(context) {
  const seen = { n: 0 };
  context.on('page', (p) => { if (p.url().includes('consent.html')) seen.n++; });
  return seen;
}

/** Starts authenticate() from page code (no gesture) and keeps its outcome in window.outcome. */
const startFromPage = (page, how) => page.evaluate(([c, h]) => {
  window.outcome = null;
  const run = () => window.mynakey.authenticate({ challenge: c }).then(() => 'resolved', (e) => e.code)
    .then((r) => { window.outcome = r; });
  if (h === 'timer') setTimeout(run, 0);
  else run();
}, [CHALLENGE, how]);
const outcome = (page) => page.waitForFunction(() => window.outcome).then((h) => h.jsonValue());

test('a call from page code alone (load handler) opens no window and starts no host', async () => {
  const b = await launch();
  try {
    const windows = countWindows(b.context);
    // A page that asks as soon as it loads, with no one touching it.
    await b.context.route(`${rp.origin}/on-load.html`, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="ja"><body><p id="out"></p><script type="module">
        import * as m from '/mynakey.js';
        window.addEventListener('load', () => {
          m.authenticate({ challenge: '${CHALLENGE}' }).then(() => 'resolved', (e) => e.code)
            .then((r) => { document.getElementById('out').textContent = r; });
        });</script></body></html>`,
    }));
    const page = await b.context.newPage();
    await page.goto(`${rp.origin}/on-load.html`);
    await page.locator('#out:not(:empty)').waitFor();
    assert.equal(await page.locator('#out').textContent(), 'USER_ACTIVATION_REQUIRED');
    assert.equal(windows.n, 0);
    assert.equal(hostStarts(b), 0, 'no host process started');
  } finally {
    await b.close();
  }
});

test('a timer, or a second call after one gesture, is refused; the message is in both languages', async () => {
  const b = await launch();
  try {
    const windows = countWindows(b.context);
    const page = await openPage(b.context, rp.origin, '/library.html');
    await startFromPage(page, 'timer');
    assert.equal(await outcome(page), 'USER_ACTIVATION_REQUIRED');
    const texts = await page.evaluate(() => window.mynakey.getSigningCertificate().catch((e) => [e.messageJa, e.messageEn, e.message]));
    assert.match(texts[0], /ボタン/);
    assert.match(texts[1], /button/i);
    assert.equal(texts[2], texts[0], 'the page is in Japanese');
    // One click = one window. Cancelled, the page re-asks at once: refused without a new click.
    await gesture(page);
    const win = await consentWindow(b.context, () => startFromPage(page, 'direct'));
    await clickIn(win, '#cancel');
    assert.equal(await outcome(page), 'USER_CANCELLED');
    await startFromPage(page, 'direct');
    assert.equal(await outcome(page), 'USER_ACTIVATION_REQUIRED');
    assert.equal(windows.n, 1);
    // status() needs no gesture.
    assert.equal((await page.evaluate(() => window.mynakey.status())).host.protocol, 1);
  } finally {
    await b.close();
  }
});

test('PIN_BLOCKED reaches the page only when the window is closed, and the slot is kept until then', async () => {
  const b = await launch();
  try {
    const windows = countWindows(b.context);
    const page = await openPage(b.context, rp.origin, '/library.html');
    await gesture(page);
    const win = await consentWindow(b.context, () => startFromPage(page, 'direct'));
    for (const [pin, left] of [['1111', 2], ['2222', 1]]) {
      await win.locator('#pin').fill(pin);
      await pressIn(win, '#pin', 'Enter');
      await win.locator(`#alert:has-text("あと ${left} 回")`).waitFor();
    }
    await win.locator('#last-try-confirm').check();
    await win.locator('#pin').fill('3333');
    await pressIn(win, '#pin', 'Enter');
    await win.locator('#blocked:not([hidden])').waitFor();
    // A round trip through the extension from the same page: any answer sent before it is in.
    await gesture(page);
    const again = await page.evaluate(() => new Promise((resolve) => {
      window.addEventListener('message', (ev) => {
        if (ev.data && ev.data.type === 'mynakey:response' && ev.data.id === 'again') resolve(ev.data.error && ev.data.error.code);
      });
      window.postMessage({ type: 'mynakey:request', id: 'again', action: 'getSigningCertificate', args: {} }, location.origin);
    }));
    assert.equal(again, 'REQUEST_PENDING', 'the blocked request still holds the slot');
    assert.equal(await page.evaluate(() => window.outcome), null, 'no answer while the advice is on screen');
    await clickIn(win, '#close');
    assert.equal(await outcome(page), 'PIN_BLOCKED');
    // The page re-asks on the answer, with no one at the page: no window, nothing learnt.
    await startFromPage(page, 'direct');
    assert.equal(await outcome(page), 'USER_ACTIVATION_REQUIRED');
    assert.equal(windows.n, 1);
  } finally {
    await b.close();
  }
});
