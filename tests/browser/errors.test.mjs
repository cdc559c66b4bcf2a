// What a page sees when something is missing or refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { blockAuthPin, consentWindow, gesture, launch, openPage, clickIn, pressIn, startRp } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

const CHALLENGE = 'A'.repeat(43) + '=';
// Calls the page library right after a click on the page, as a page's button handler would.
const call = async (page, expr, arg) => {
  await gesture(page);
  return page.evaluate(
    ([e, a]) => new Function('m', 'a', `return ${e}`)(window.mynakey, a)
      .then((r) => ({ ok: r }), (e2) => ({ code: e2.code, messageJa: e2.messageJa, messageEn: e2.messageEn, message: e2.message, triesLeft: e2.triesLeft })),
    [expr, arg]);
};

test('status() reports the versions and nothing about the card', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    const r = await call(page, 'm.status()');
    assert.equal(r.ok.host.protocol, 1);
    assert.match(r.ok.host.version, /^\d+\.\d+\.\d+/);
    assert.equal(r.ok.extension, '0.1.0');
    assert.equal(r.ok.library, '0.1.0');
    assert.deepEqual(Object.keys(r.ok).sort(), ['extension', 'host', 'library']);
  } finally {
    await b.close();
  }
});

test('the host missing → HOST_UNAVAILABLE, without opening a window', async () => {
  const b = await launch({ host: false });
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    let opened = false;
    b.context.on('page', (p) => { if (p.url().includes('consent.html')) opened = true; });
    const r = await call(page, 'm.authenticate({ challenge: a })', CHALLENGE);
    assert.equal(r.code, 'HOST_UNAVAILABLE');
    assert.match(r.messageJa, /mynakey-host/);
    assert.match(r.messageEn, /mynakey-host/);
    assert.equal(r.message, r.messageJa, 'message follows <html lang="ja">');
    assert.equal((await call(page, 'm.status()')).code, 'HOST_UNAVAILABLE');
    assert.equal(opened, false);
  } finally {
    await b.close();
  }
});

test('no extension → EXTENSION_UNAVAILABLE', async () => {
  const b = await launch({ extension: false });
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    const r = await call(page, 'm.status()');
    assert.equal(r.code, 'EXTENSION_UNAVAILABLE');
  } finally {
    await b.close();
  }
});

test('one request at a time → REQUEST_PENDING; bad input is refused before any window', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    let first;
    const win = await consentWindow(b.context, () => { first = call(page, 'm.authenticate({ challenge: a })', CHALLENGE); });
    assert.equal((await call(page, 'm.authenticate({ challenge: a })', CHALLENGE)).code, 'REQUEST_PENDING');
    await clickIn(win, '#cancel');
    assert.equal((await first).code, 'USER_CANCELLED');
    assert.equal((await call(page, 'm.authenticate({ challenge: a })', 'short')).code, 'CHALLENGE_INVALID');
    assert.equal((await call(page, 'm.sign(a)', { hashAlgorithm: 'SHA-256', hashes: ['AAAA'] })).code, 'BAD_REQUEST');
  } finally {
    await b.close();
  }
});

test('a blocked PIN explains how to reset it and fails the call with PIN_BLOCKED', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    let result;
    const win = await consentWindow(b.context, () => { result = call(page, 'm.authenticate({ challenge: a })', CHALLENGE); });
    await blockAuthPin(win);
    const text = await win.locator('#blocked').textContent();
    assert.match(text, /市区町村/);
    assert.match(text, /コンビニ/);
    assert.equal(await win.evaluate(() => document.activeElement.id), 'blocked-title');
    // The page learns when the person closes the window (activation.test.mjs).
    await clickIn(win, '#close');
    const r = await result;
    assert.equal(r.code, 'PIN_BLOCKED');
  } finally {
    await b.close();
  }
});
