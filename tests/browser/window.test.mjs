// The consent window: however it goes away the request ends (issue 11, item 8); what it shows
// about the documents (item 11) and the site (item 12).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { clickIn, consentUrl, consentWindow, EXTENSION_ID, gesture, launch, openPage, outcome, startLogin, startRp } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

const HASH = 'A'.repeat(43) + '=';

/** The extension's service worker, to act on its windows as the browser or the system might. */
async function worker(context) {
  return context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`))
    || context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`) });
}

/**
 * As soon as the next window exists (before its page loads): 'remove' it, or 'navigate' its tab
 * to a page that never connects (as a page failing to load would).
 */
function onNextWindow(sw, what) {
  return sw.evaluate((action) => {
    const api = globalThis.chrome;
    api.windows.onCreated.addListener(function once(w) {
      api.windows.onCreated.removeListener(once);
      if (action === 'remove') api.windows.remove(w.id);
      else api.tabs.query({ windowId: w.id }).then(([tab]) => api.tabs.update(tab.id, { url: api.runtime.getURL('missing.html') }));
    });
  }, what);
}

/** The slot is free again: a new request (after a new click) gets a window, which is cancelled. */
async function slotIsFree(b, page) {
  const win = await consentWindow(b.context, () => startLogin(page));
  await clickIn(win, '#cancel');
  assert.equal(await outcome(page), 'USER_CANCELLED');
}

test('closing the window at any point ends the request at once with USER_CANCELLED', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    const sw = await worker(b.context);

    // 1. Gone before its page even loaded: removed as soon as the window exists.
    await onNextWindow(sw, 'remove');
    await startLogin(page);
    assert.equal(await outcome(page), 'USER_CANCELLED');
    await slotIsFree(b, page);

    // 2. Closed as soon as its page appears, before it is loaded and connected.
    const early = b.context.waitForEvent('page', { predicate: (p) => p.url().startsWith(consentUrl) });
    await startLogin(page);
    await (await early).close();
    assert.equal(await outcome(page), 'USER_CANCELLED');
    await slotIsFree(b, page);

    // 3. Closed after it connected and showed the question.
    const win = await consentWindow(b.context, () => startLogin(page));
    await win.close();
    assert.equal(await outcome(page), 'USER_CANCELLED');
    await slotIsFree(b, page);
  } finally {
    await b.close();
  }
});

test('a window whose page never loads ends the request and is removed', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    const sw = await worker(b.context);
    await onNextWindow(sw, 'navigate');
    await startLogin(page);
    assert.equal(await outcome(page, 20000), 'USER_CANCELLED');
    const left = await sw.evaluate(() => globalThis.chrome.windows.getAll({ windowTypes: ['popup'] }).then((ws) => ws.length));
    assert.equal(left, 0, 'the broken window was removed');
    await slotIsFree(b, page);
  } finally {
    await b.close();
  }
});

test('document names lose bidi and control characters, are capped, and the window says the site chose them', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    const names = ['invoice\u202Efdp.exe', 'a\u2066b\u2069\u200Fc\nd', 'あ'.repeat(300)];
    await gesture(page);
    const win = await consentWindow(b.context, () => page.evaluate(([h, n]) => {
      window.outcome = null;
      window.mynakey.sign({ hashAlgorithm: 'SHA-256', hashes: [h, h, h], documentNames: n }).catch((e) => { window.outcome = e.code; });
    }, [HASH, names]));
    const shown = await win.locator('#documents li').allTextContents();
    assert.equal(shown[0], 'invoice fdp.exe');
    assert.equal(shown[1], 'a b c d');
    assert.equal(Array.from(shown[2]).length, 80);
    assert.ok(shown[2].endsWith('…'));
    for (const s of shown) assert.doesNotMatch(s, /[\p{Cc}\p{Cf}]/u);
    assert.match(await win.locator('#documents-note').textContent(), /要求したサイトが付けた/);
    await clickIn(win, '#cancel');
    assert.equal(await outcome(page), 'USER_CANCELLED');
  } finally {
    await b.close();
  }
});

for (const lang of ['ja', 'en']) {
  test(`the window emphasises the registrable domain: bank.example.jp.evil.example reads as evil.example (${lang})`, async () => {
    const b = await launch({ mapHosts: true, lang });
    try {
      const origin = rp.origin.replace('127.0.0.1', 'bank.example.jp.evil.example');
      const page = await openPage(b.context, origin, '/library.html');
      const win = await consentWindow(b.context, () => startLogin(page));
      assert.equal(await win.locator('#origin').textContent(), origin.replace('https://', ''));
      assert.equal(await win.locator('#origin .registrable').textContent(), 'evil.example');
      assert.equal(await win.locator('#origin .sub').first().textContent(), 'bank.example.jp.');
      assert.equal(await win.locator('#site').textContent(), lang === 'ja' ? 'サイト：evil.example' : 'Site: evil.example');
      await clickIn(win, '#cancel');
      assert.equal(await outcome(page), 'USER_CANCELLED');
    } finally {
      await b.close();
    }
  });
}
