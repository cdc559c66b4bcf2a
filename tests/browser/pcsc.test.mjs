// The real PC/SC path: pcscd + the vpcd virtual reader + the simulated card connected by
// `mynakey-host simulate --vpcd`. Runs when MYNAKEY_BROWSER_TRANSPORT=pcsc (needs root for
// `unshare --mount`, and the pcscd and vsmartcard-vpcd packages).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { AUTH_PIN, clickIn, consentWindow, launch, openPage, pageResult, pressIn, startRp, TRANSPORT } from './harness.mjs';

const skip = TRANSPORT !== 'pcsc' && 'needs MYNAKEY_BROWSER_TRANSPORT=pcsc';

let rp;
before(async () => { if (!skip) rp = await startRp(); });
after(async () => { if (rp) await rp.close(); });

test('no card: the window asks for it and continues when the card arrives', { skip }, async () => {
  const b = await launch({ transport: 'pcsc', card: false });
  try {
    const page = await openPage(b.context, rp.origin, '/login');
    const win = await consentWindow(b.context, () => page.click('#login'));
    await win.locator('#status:has-text("カードリーダーに置いてください")').waitFor();
    assert.equal(await win.locator('#tries').textContent(), '', 'no tries known without a card');
    b.pcsc.insertCard();
    // The window notices the card by itself (status, which spends no try) and shows the tries left.
    await win.locator('#status:has-text("カードを確認しました")').waitFor({ timeout: 10000 });
    assert.match(await win.locator('#tries').textContent(), /3/);
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
  } finally {
    await b.close();
  }
});

test('no card when the PIN is sent: the host waits for the card, then signs', { skip }, async () => {
  const b = await launch({ transport: 'pcsc', card: false });
  try {
    const page = await openPage(b.context, rp.origin, '/login');
    const win = await consentWindow(b.context, () => page.click('#login'));
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    // waitingForCard from the host (the request carries timeoutMs) → the window asks for the card.
    await win.locator('#status:has-text("カードリーダーに置いてください")').waitFor();
    b.pcsc.insertCard();
    const r = await pageResult(page, 20000);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
  } finally {
    await b.close();
  }
});

test('Cancel while the host waits for the card stops the host request', { skip }, async () => {
  const b = await launch({ transport: 'pcsc', card: false });
  try {
    const page = await openPage(b.context, rp.origin, '/login');
    const win = await consentWindow(b.context, () => page.click('#login'));
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    await win.locator('#status:has-text("カードリーダーに置いてください")').waitFor();
    const started = Date.now();
    await clickIn(win, '#cancel');
    const r = await pageResult(page);
    assert.equal(r.body.code, 'USER_CANCELLED');
    assert.ok(Date.now() - started < 3000, 'cancelled at once, not after the card wait');
  } finally {
    await b.close();
  }
});

test('login over PC/SC', { skip }, async () => {
  const b = await launch({ transport: 'pcsc' });
  try {
    const page = await openPage(b.context, rp.origin, '/login');
    const win = await consentWindow(b.context, () => page.click('#login'));
    await win.locator('#status:has-text("カードを確認しました")').waitFor({ timeout: 10000 });
    await win.locator('#pin').fill(AUTH_PIN);
    await pressIn(win, '#pin', 'Enter');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
  } finally {
    await b.close();
  }
});
