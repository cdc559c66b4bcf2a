// Tabs are independent (issue 11, item 7) and status() cannot flood the machine (item 6).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { AUTH_PIN, clickIn, consentWindow, launch, openPage, outcome, pageResult, pressIn, SIGN_PASSWORD, startLogin, startRp } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

test('1,000 status() posts from one page start at most 2 host processes', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/library.html');
    // Raw posts, past the page library's one-call-at-a-time rule, as a hostile page would send them.
    const answers = await page.evaluate((n) => new Promise((resolve) => {
      const counts = {};
      let got = 0;
      window.addEventListener('message', (ev) => {
        const d = ev.data;
        if (!d || d.type !== 'mynakey:response' || !String(d.id).startsWith('flood-')) return;
        const key = d.result ? `ok ${d.result.host.protocol}` : d.error.code;
        counts[key] = (counts[key] || 0) + 1;
        if (++got === n) resolve(counts);
      });
      for (let i = 0; i < n; i++) window.postMessage({ type: 'mynakey:request', id: `flood-${i}`, action: 'status', args: {} }, location.origin);
    }), 1000);
    assert.deepEqual(answers, { 'ok 1': 1000 });
    const starts = b.hostStarts();
    assert.ok(starts >= 1 && starts <= 2, `${starts} host processes started`);
  } finally {
    await b.close();
  }
});

test('another tab gets its own window; while one tab holds the card the other window says so', async () => {
  const b = await launch();
  try {
    // Tab A: certificate first, so the card stays verified (held) for A's coming sign.
    const a = await openPage(b.context, rp.origin, '/sign');
    const firstA = await consentWindow(b.context, () => a.click('#sign-certificate-first'));
    await firstA.locator('#pin').fill(SIGN_PASSWORD);
    const secondA = await consentWindow(b.context, () => pressIn(firstA, '#pin', 'Enter'));
    // Tab B, another site: not refused because of A, and its own window opens.
    const otherOrigin = rp.origin.replace('127.0.0.1', 'localhost');
    const pageB = await openPage(b.context, otherOrigin, '/library.html');
    const winB = await consentWindow(b.context, () => startLogin(pageB));
    assert.equal(await winB.locator('#origin').textContent(), otherOrigin.replace('https://', ''));
    assert.equal(await pageB.evaluate(() => window.outcome), null);
    // B's PIN is not sent while A holds the card: B's window says the card is in use.
    await winB.locator('#pin').fill(AUTH_PIN);
    await pressIn(winB, '#pin', 'Enter');
    await winB.locator('#alert:has-text("別の mynakey の要求で使用中")').waitFor();
    assert.equal(await winB.locator('#pin').inputValue(), '', 'the PIN left the field but went nowhere');
    assert.equal(await pageB.evaluate(() => window.outcome), null, 'page B is told nothing');
    // A finishes undisturbed; then B's retry works.
    await clickIn(secondA, '#submit');
    const r = await pageResult(a);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
    await winB.locator('#pin').fill(AUTH_PIN);
    await pressIn(winB, '#pin', 'Enter');
    assert.equal(await outcome(pageB), 'resolved');
  } finally {
    await b.close();
  }
});

test('a request in one tab never refuses or reveals a request in another', async () => {
  const b = await launch();
  try {
    const one = await openPage(b.context, rp.origin, '/library.html');
    const winOne = await consentWindow(b.context, () => startLogin(one));
    const two = await openPage(b.context, rp.origin.replace('127.0.0.1', 'localhost'), '/library.html');
    const winTwo = await consentWindow(b.context, () => startLogin(two));
    await clickIn(winTwo, '#cancel');
    assert.equal(await outcome(two), 'USER_CANCELLED');
    assert.equal(winOne.isClosed(), false, 'the first tab\'s window is untouched');
    await clickIn(winOne, '#cancel');
    assert.equal(await outcome(one), 'USER_CANCELLED');
  } finally {
    await b.close();
  }
});
