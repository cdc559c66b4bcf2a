// Signing: N documents with one password entry, and the certificate-first flow.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { consentWindow, gateLog, launch, openPage, pageResult, clickIn, pressIn, repo, SIGN_PASSWORD, startRp } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

test('signing two documents takes one password entry', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/sign');
    const win = await consentWindow(b.context, () => page.click('#sign-documents'));
    assert.match(await win.locator('#action').textContent(), /2 件の文書に電子署名/);
    assert.deepEqual(await win.locator('#documents li').allTextContents(), ['利用規約への同意書.txt', '口座開設申込書.txt']);
    // The window says which personal data the signing certificate reveals.
    const pd = await win.locator('#personal-data').textContent();
    for (const item of ['氏名', '住所', '生年月日', '性別']) assert.ok(pd.includes(item), item);
    assert.match(await win.locator('#tries').textContent(), /5/);
    // Lower case is shown and sent upper-cased.
    await win.locator('#pin').pressSequentially(SIGN_PASSWORD.toLowerCase());
    assert.equal(await win.locator('#pin').inputValue(), SIGN_PASSWORD);
    await pressIn(win, '#pin', 'Enter');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
    assert.deepEqual(r.body.documents, ['利用規約への同意書.txt', '口座開設申込書.txt']);
    assert.ok(r.body.signer, 'the verifier decoded the signer');
  } finally {
    await b.close();
  }
});

test('certificate first: the certificate, then the signature, with one password entry', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/sign');
    const first = await consentWindow(b.context, () => page.click('#sign-certificate-first'));
    assert.match(await first.locator('#action').textContent(), /署名用電子証明書/);
    assert.equal(await first.locator('#personal-data').isVisible(), true);
    await first.locator('#pin').fill(SIGN_PASSWORD);
    // The second window (the sign step) needs no password: only a confirmation.
    const second = await consentWindow(b.context, () => pressIn(first, '#pin', 'Enter'));
    assert.equal(await second.locator('#pin-row').isHidden(), true);
    assert.match(await second.locator('#action').textContent(), /1 件の文書に電子署名/);
    assert.match(await second.locator('#status').textContent(), /入力済み/);
    await pressIn(second, '#submit', 'Enter');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
    assert.ok(r.body.signer);
  } finally {
    await b.close();
  }
});

/** Inputs the window ignored, each with how long after the latest arming (appear/focus) it came. */
function ignoredAfterArming(log) {
  return log.ignored.map((i) => {
    const armed = log.armed.filter((a) => a.at <= i.at).pop();
    return { input: i.input, after: armed ? i.at - armed.at : null };
  });
}

test('one keystroke cannot sign: no default focus on the button, inputs ignored for 800 ms', async () => {
  const b = await launch();
  try {
    const page = await openPage(b.context, rp.origin, '/sign');
    const first = await consentWindow(b.context, () => page.click('#sign-certificate-first'), { gateOpen: false });
    // Enter right after the window appeared (typed for the page, say) does not submit the password.
    await first.locator('#pin').fill(SIGN_PASSWORD);
    await first.locator('#pin').press('Enter');
    const early = ignoredAfterArming(await gateLog(first));
    assert.ok(early.some((i) => i.input === 'Enter' && i.after >= 0 && i.after < 800), JSON.stringify(early));
    assert.equal(await first.locator('#pin').inputValue(), SIGN_PASSWORD, 'the password was not sent');
    // The held session's window: one Enter and one click on the button, at once.
    const second = await consentWindow(b.context, () => pressIn(first, '#pin', 'Enter'), { gateOpen: false });
    assert.equal(await second.locator('#pin-row').isHidden(), true);
    const focused = await second.evaluate(() => document.activeElement.id);
    assert.notEqual(focused, 'submit', 'the action button has no default focus');
    assert.equal(focused, 'action');
    await second.keyboard.press('Enter');
    await second.locator('#submit').click();
    const log = await gateLog(second);
    assert.ok(log.delayMs >= 800);
    const ignored = ignoredAfterArming(log);
    assert.ok(ignored.some((i) => i.input === 'Enter'), JSON.stringify(ignored));
    assert.ok(ignored.some((i) => i.input === 'click:submit'), JSON.stringify(ignored));
    for (const i of ignored) assert.ok(i.after !== null && i.after < log.delayMs, JSON.stringify(i));
    assert.equal(await page.locator('#result').getAttribute('data-state'), 'busy', 'nothing was signed');
    assert.equal(await second.locator('#submit').isDisabled(), false, 'nothing was sent to the card');
    // Once the gate has opened, the button works.
    await clickIn(second, '#submit');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
  } finally {
    await b.close();
  }
});

// Screenshots of the consent window, in both languages: tests/browser/out/consent-{ja,en}.png,
// or docs/images/ with MYNAKEY_UPDATE_SCREENSHOTS=1.
for (const lang of ['ja', 'en']) {
  test(`consent window screenshot (${lang})`, async () => {
    const b = await launch({ lang });
    try {
      const page = await openPage(b.context, rp.origin, '/sign');
      const win = await consentWindow(b.context, () => page.click('#sign-documents'));
      assert.equal(await win.evaluate(() => document.documentElement.lang), lang);
      assert.match(await win.locator('#submit').textContent(), lang === 'ja' ? /署名する/ : /Sign/);
      // docs/images holds the committed pictures: rewrite them only when asked to.
      const dir = process.env.MYNAKEY_UPDATE_SCREENSHOTS === '1' ? join(repo, 'docs/images') : join(here, 'out');
      mkdirSync(dir, { recursive: true });
      await win.locator('#pin').fill('ABC');
      await win.screenshot({ path: join(dir, `consent-${lang}.png`), fullPage: true });
      await clickIn(win, '#cancel');
      const r = await pageResult(page);
      assert.equal(r.body.code, 'USER_CANCELLED');
    } finally {
      await b.close();
    }
  });
}
