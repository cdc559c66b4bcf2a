// Requests need a user gesture on the page (issue 11, item 5): one window per click or key press,
// none from page code alone, and a refused page learns nothing new without the person.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { blockAuthPin, clickIn, consentWindow, countConsentWindows, gesture, launch, openPage, outcome, startLogin, startRp, TEST_CHALLENGE } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

test('a call from page code alone (load handler) opens no window and starts no host', async () => {
  const b = await launch();
  try {
    const windows = countConsentWindows(b.context);
    // A page that asks as soon as it loads, with no one touching it.
    await b.context.route(`${rp.origin}/on-load.html`, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="ja"><body><p id="out"></p><script type="module">
        import * as m from '/mynakey.js';
        window.addEventListener('load', () => {
          m.authenticate({ challenge: '${TEST_CHALLENGE}' }).then(() => 'resolved', (e) => e.code)
            .then((r) => { document.getElementById('out').textContent = r; });
        });</script></body></html>`,
    }));
    const page = await b.context.newPage();
    await page.goto(`${rp.origin}/on-load.html`);
    await page.locator('#out:not(:empty)').waitFor();
    assert.equal(await page.locator('#out').textContent(), 'USER_ACTIVATION_REQUIRED');
    assert.equal(windows.n, 0);
    assert.equal(b.hostStarts(), 0, 'no host process started');
  } finally {
    await b.close();
  }
});

test('a timer, or a second call after one gesture, is refused; the message is in both languages', async () => {
  const b = await launch();
  try {
    const windows = countConsentWindows(b.context);
    const page = await openPage(b.context, rp.origin, '/library.html');
    await startLogin(page, { from: 'timer' });
    assert.equal(await outcome(page), 'USER_ACTIVATION_REQUIRED');
    const texts = await page.evaluate(() => window.mynakey.getSigningCertificate().catch((e) => [e.messageJa, e.messageEn, e.message]));
    assert.match(texts[0], /ボタン/);
    assert.match(texts[1], /button/i);
    assert.equal(texts[2], texts[0], 'the page is in Japanese');
    // One click = one window. Cancelled, the page re-asks at once: refused without a new click.
    const win = await consentWindow(b.context, () => startLogin(page));
    await clickIn(win, '#cancel');
    assert.equal(await outcome(page), 'USER_CANCELLED');
    await startLogin(page, { from: 'page' });
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
    const windows = countConsentWindows(b.context);
    const page = await openPage(b.context, rp.origin, '/library.html');
    const win = await consentWindow(b.context, () => startLogin(page));
    await blockAuthPin(win);
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
    await startLogin(page, { from: 'page' });
    assert.equal(await outcome(page), 'USER_ACTIVATION_REQUIRED');
    assert.equal(windows.n, 1);
  } finally {
    await b.close();
  }
});
