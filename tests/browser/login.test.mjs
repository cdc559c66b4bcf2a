// Login: the page asks, the extension's window takes the PIN, the host signs, the server verifies.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { AUTH_PIN, consentWindow, gesture, launch, openPage, outcome, pageResult, clickIn, pressIn, startLogin, startRp, verifyCli } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

test('login succeeds and the server verifies the proof', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/login');
    const win = await consentWindow(b.context, () => page.click('#login'));
    // The window names the origin the browser reported, what is asked, and the tries left.
    assert.equal(await win.locator('#origin').textContent(), rp.origin.replace('https://', ''));
    assert.match(await win.locator('#action').textContent(), /ログイン/);
    assert.match(await win.locator('#tries').textContent(), /3/);
    assert.equal(await win.locator('#personal-data').isHidden(), true, 'the auth certificate carries no personal data');
    assert.equal(await win.evaluate(() => document.activeElement.id), 'pin', 'focus starts in the PIN field');
    await win.locator('#pin').fill(AUTH_PIN);
    const closed = win.waitForEvent('close');
    await pressIn(win, '#pin', 'Enter');
    await closed;
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
    assert.equal(r.body.ok, true);
    assert.ok(r.body.identity, 'the verifier returned the certificate identity');
  } finally {
    await b.close();
  }
});

test('a wrong PIN shows the tries left and asks again in the same window', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/login');
    const win = await consentWindow(b.context, () => page.click('#login'));
    // A malformed PIN never leaves the window (no try spent).
    await win.locator('#pin').fill('12a');
    await pressIn(win, '#pin', 'Enter');
    await win.locator('#alert:not([hidden])').waitFor();
    assert.match(await win.locator('#alert').textContent(), /4桁/);
    assert.equal(await win.locator('#pin').getAttribute('aria-invalid'), 'true');
    // A wrong PIN: the host answers PIN_INCORRECT, the window shows 2 tries left.
    await win.locator('#pin').fill('9999');
    await pressIn(win, '#pin', 'Enter');
    await win.locator('#alert:has-text("あと 2 回")').waitFor();
    assert.match(await win.locator('#tries').textContent(), /2/);
    assert.equal(await win.locator('#pin').inputValue(), '', 'the PIN field is emptied after sending');
    assert.equal(await win.evaluate(() => document.activeElement.id), 'pin');
    // Second wrong PIN: one try left → the last-try warning must be confirmed before sending.
    await win.locator('#pin').fill('8888');
    await pressIn(win, '#pin', 'Enter');
    await win.locator('#alert:has-text("あと 1 回")').waitFor();
    assert.equal(await win.locator('#last-try').isVisible(), true);
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    await win.locator('#alert:has-text("チェック")').waitFor();
    assert.equal(await win.evaluate(() => document.activeElement.id), 'last-try-confirm');
    await win.locator('#last-try-confirm').check();
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
  } finally {
    await b.close();
  }
});

test('Cancel and Esc reject with USER_CANCELLED', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    let win = await consentWindow(b.context, () => startLogin(page));
    await clickIn(win, '#cancel');
    assert.equal(await outcome(page), 'USER_CANCELLED');
    win = await consentWindow(b.context, () => startLogin(page));
    await pressIn(win, '#pin', 'Escape');
    assert.equal(await outcome(page), 'USER_CANCELLED');
    // Closing the window is a cancel too.
    win = await consentWindow(b.context, () => startLogin(page));
    await win.close();
    assert.equal(await outcome(page), 'USER_CANCELLED');
  } finally {
    await b.close();
  }
});

test('a page cannot set the origin', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    const challenge = await page.evaluate(async () => (await (await fetch('/api/login/challenge', { method: 'POST' })).json()).challenge);
    // Bypass the library: post a raw request that carries an origin of the page's choosing.
    await gesture(page);
    const win = await consentWindow(b.context, () => page.evaluate((c) => {
      window.rawAnswer = new Promise((resolve) => {
        window.addEventListener('message', (ev) => { if (ev.data && ev.data.type === 'mynakey:response' && ev.data.id === 'spoof') resolve(ev.data); });
      });
      window.postMessage({ type: 'mynakey:request', id: 'spoof', action: 'authenticate', args: { challenge: c, origin: 'https://evil.example' } }, location.origin);
    }, challenge));
    assert.equal(await win.locator('#origin').textContent(), rp.origin.replace('https://', ''), 'the window shows the real origin');
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    const answer = await page.evaluate(() => window.rawAnswer);
    assert.ok(answer.result, JSON.stringify(answer));
    const token = JSON.stringify(answer.result);
    // The proof is bound to the real origin, not the one the page sent.
    const evil = await verifyCli(['--origin', 'https://evil.example', '--challenge', challenge], token);
    assert.notEqual(evil.code, 0, evil.out);
    const real = await verifyCli(['--origin', rp.origin, '--challenge', challenge], token);
    assert.equal(real.code, 0, real.out);
    // And the relying party accepts it for its own origin.
    const r = await page.evaluate(async (t) => (await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: t })).status, JSON.stringify({ token: answer.result }));
    assert.equal(r, 200);
  } finally {
    await b.close();
  }
});
