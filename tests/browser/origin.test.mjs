// Opaque origins and frames never reach the card (issue 11, item 9): a sandboxed top-level page
// and a cross-origin iframe posting to its parent get no window and start no host.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { clickIn, consentWindow, countConsentWindows, launch, openPage, startLogin, startRp, TEST_CHALLENGE } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

// On a click, posts a raw authenticate request to `target`; any acknowledgement or answer shows in #out.
const asker = (target) => `<!doctype html><html><body><button id="ask">ask</button><p id="out"></p><script>
  window.addEventListener('message', (ev) => {
    if (ev.data && ['mynakey:ack', 'mynakey:response'].includes(ev.data.type)) document.getElementById('out').textContent += ev.data.type + ' ';
  });
  document.getElementById('ask').addEventListener('click', () => {
    ${target}.postMessage({ type: 'mynakey:request', id: 'x', action: 'authenticate', args: { challenge: '${TEST_CHALLENGE}' } }, '*');
  });
</script></body></html>`;

/**
 * After the hostile attempt, a normal request from a normal page goes all the way to its window:
 * the extension has handled everything posted before it. No window may have opened for the other.
 */
async function onlyTheControlWindowOpens(b, windowsBefore) {
  const page = await openPage(b.context, rp.origin, '/library.html');
  const win = await consentWindow(b.context, () => startLogin(page));
  assert.equal(windowsBefore.n, 1, 'only the control request opened a window');
  await clickIn(win, '#cancel');
}

test('a sandboxed top-level page (CSP sandbox allow-scripts) gets no window and no host', async () => {
  const b = await launch();
  try {
    await b.context.route(`${rp.origin}/sandboxed.html`, (route) => route.fulfill({
      contentType: 'text/html',
      headers: { 'Content-Security-Policy': 'sandbox allow-scripts' },
      body: asker('window'),
    }));
    const windows = countConsentWindows(b.context);
    const page = await b.context.newPage();
    await page.goto(`${rp.origin}/sandboxed.html`);
    assert.equal(await page.evaluate(() => window.origin), 'null', 'the page really has an opaque origin');
    await page.click('#ask');
    await onlyTheControlWindowOpens(b, windows);
    assert.equal(await page.locator('#out').textContent(), '', 'not even an acknowledgement');
    assert.equal(b.hostStarts(), 1, 'the only host process was the control request\'s');
  } finally {
    await b.close();
  }
});

test('a cross-origin iframe posting to its parent gets no window and no host', async () => {
  const b = await launch();
  try {
    const other = rp.origin.replace('127.0.0.1', 'localhost');
    await b.context.route(`${other}/frame.html`, (route) => route.fulfill({ contentType: 'text/html', body: asker('parent') }));
    await b.context.route(`${rp.origin}/parent.html`, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><body><p id="out"></p><iframe src="${other}/frame.html" width="300" height="200"></iframe><script>
        window.addEventListener('message', (ev) => {
          if (ev.data && ['mynakey:ack', 'mynakey:response'].includes(ev.data.type)) document.getElementById('out').textContent += ev.data.type + ' ';
        });</script></body></html>`,
    }));
    const windows = countConsentWindows(b.context);
    const page = await b.context.newPage();
    await page.goto(`${rp.origin}/parent.html`);
    await page.frameLocator('iframe').locator('#ask').click();
    await onlyTheControlWindowOpens(b, windows);
    assert.equal(await page.locator('#out').textContent(), '');
    assert.equal(await page.frameLocator('iframe').locator('#out').textContent(), '');
    assert.equal(b.hostStarts(), 1, 'the only host process was the control request\'s');
  } finally {
    await b.close();
  }
});
