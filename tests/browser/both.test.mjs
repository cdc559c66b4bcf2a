// One set of tests, two browsers: every body below runs in headless Chromium (CDP) and in
// Firefox ESR (WebDriver BiDi), through tests/browser/both/driver.mjs, with the real extension
// build of each browser and the real host. The Playwright files beside this one go deeper into
// Chromium alone. Screenshots of the Japanese window: tests/browser/out/<browser>-consent-ja.png.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { AUTH_PIN, repo, SIGN_PASSWORD, sleep, startRp, tempDir, TRANSPORT, verifyCli } from './harness.mjs';
import { BROWSERS, click, fill, hidden, open, outcome, pageResult, press, startLogin, text, waitText } from './both/driver.mjs';

// docs/images holds the committed pictures: written there only when asked to.
const out = process.env.MYNAKEY_UPDATE_SCREENSHOTS === '1'
  ? join(repo, 'docs/images')
  : join(dirname(fileURLToPath(import.meta.url)), 'out');
const challenge = () => randomBytes(32).toString('base64');

let rp;
before(async () => { rp = await startRp(); });

/** The simulated card's APDU log: one line per APDU, `describe | command | SW len`. */
const lines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

/** Resolves once `check()` holds (polled), or fails naming `what` after 20 s. */
async function waitFor(check, what) {
  for (const end = Date.now() + 20000; Date.now() < end; await sleep(50)) if (check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** The log's lines once it has not grown for 300 ms (the host resets the card after its reply). */
async function settledLines(path) {
  let seen = -1;
  for (;;) {
    const n = lines(path).length;
    if (n === seen) return lines(path);
    seen = n;
    await sleep(300);
  }
}
after(async () => { await rp.close(); });

/** Runs `body(b)` with `kind` open, and closes it whatever happens. */
async function withBrowser(kind, options, body) {
  const b = await open(kind, options);
  try {
    await body(b);
  } finally {
    await b.close();
  }
}

/** The page asks (after `trigger`), the consent window opens: [window]. */
async function windowFor(b, trigger) {
  const next = b.nextWindow();
  await trigger();
  return next;
}

for (const kind of BROWSERS) {
  describe(kind, () => {
    test('login: the relying party verifies the proof', () => withBrowser(kind, {}, async (b) => {
      const page = await b.newPage(`${rp.origin}/login`);
      const win = await windowFor(b, () => page.click('#login'));
      assert.equal(await text(win, '#origin'), rp.origin.replace('https://', ''));
      assert.match(await text(win, '#action'), /ログイン/);
      await fill(win, '#pin', AUTH_PIN);
      await press(win, '#pin', 'Enter');
      const r = await pageResult(page);
      assert.equal(r.state, 'ok', JSON.stringify(r.body));
      assert.ok(r.body.identity, 'the verifier returned the certificate identity');
    }));

    test('login: the card is read while the PIN is typed; after the PIN only VERIFY, SELECT key, SIGN reach it', () => {
      const log = join(tempDir('apdus'), 'card.log');
      return withBrowser(kind, { apduLog: log }, async (b) => {
        const page = await b.newPage(`${rp.origin}/login`);
        const win = await windowFor(b, () => page.click('#login'));
        await waitText(win, '#status', /カードを確認しました/);
        await waitText(win, '#tries', /3/);
        const before = (await settledLines(log)).length;
        await fill(win, '#pin', AUTH_PIN);
        await press(win, '#pin', 'Enter');
        const r = await pageResult(page);
        assert.equal(r.state, 'ok', JSON.stringify(r.body));
        const after = (await settledLines(log)).slice(before).map((l) => l.split(' | ')[0]);
        assert.ok(after.length <= 4, `APDUs after the PIN: ${after.join(', ')}`);
        assert.deepEqual(after, ['VERIFY', 'SELECT EF 0017', 'SIGN']);
        assert.ok((await settledLines(log)).every((l) => !l.startsWith('SELECT AID') || l.startsWith('SELECT AID D392F000260100000001')));
      });
    });

    test('a card swapped after the window read it gets no PIN; the window reads the new card first', { skip: TRANSPORT !== 'pcsc' && 'needs the pcsc transport' }, () => {
      const dir = tempDir('swap');
      const [log1, log2] = [join(dir, 'card1.log'), join(dir, 'card2.log')];
      return withBrowser(kind, { apduLog: log1 }, async (b) => {
        const page = await b.newPage(`${rp.origin}/login`);
        const win = await windowFor(b, () => page.click('#login'));
        await waitText(win, '#status', /カードを確認しました/);
        b.pcsc.removeCard();
        b.pcsc.insertCard({ profile: 'card2', log: log2 });
        await fill(win, '#pin', '5678');
        await press(win, '#pin', 'Enter');
        await waitText(win, '#alert', /取り外されました/);
        // The window reads the card now in the reader (prepare again) before the PIN is asked again.
        await waitFor(() => lines(log2).some((l) => l.startsWith('VERIFY? ')), 'the new card read ahead');
        assert.ok(lines(log2).every((l) => !l.startsWith('VERIFY |')), 'no PIN reached the new card');
        assert.ok(lines(log1).every((l) => !l.startsWith('VERIFY |')), 'nor the old one');
        await fill(win, '#pin', '5678');
        await press(win, '#pin', 'Enter');
        const r = await pageResult(page);
        assert.equal(r.state, 'ok', JSON.stringify(r.body));
        assert.equal(lines(log2).filter((l) => l.startsWith('VERIFY |')).length, 1);
      });
    });

    test('two documents with one password entry', () => withBrowser(kind, {}, async (b) => {
      const page = await b.newPage(`${rp.origin}/sign`);
      const win = await windowFor(b, () => page.click('#sign-documents'));
      assert.match(await text(win, '#action'), /2 件の文書に電子署名/);
      await fill(win, '#pin', SIGN_PASSWORD);
      await press(win, '#pin', 'Enter');
      const r = await pageResult(page);
      assert.equal(r.state, 'ok', JSON.stringify(r.body));
      assert.deepEqual(r.body.documents, ['利用規約への同意書.txt', '口座開設申込書.txt']);
      assert.ok(r.body.signer, 'the verifier decoded the signer');
    }));

    test('an Android phone on the reader: the window names it, the login and a two-document signature go through', { skip: TRANSPORT !== 'pcsc' && 'needs the pcsc transport' }, () => {
      const log = join(tempDir('phone'), 'phone.log');
      return withBrowser(kind, { card: false, apduLog: log }, async (b) => {
        b.pcsc.insertCard({ profile: 'android' });
        const page = await b.newPage(`${rp.origin}/login`);
        const win = await windowFor(b, () => page.click('#login'));
        await waitText(win, '#status', /スマートフォン \(Android\) の電子証明書/);
        assert.match(await text(win, '#status'), /ウィンドウが閉じるまで/);
        await fill(win, '#pin', AUTH_PIN);
        await press(win, '#pin', 'Enter');
        const r = await pageResult(page);
        assert.equal(r.state, 'ok', JSON.stringify(r.body));
        assert.ok(r.body.identity, 'the verifier accepted the phone\'s proof');
        // The phone refused its certificate before the PIN, and gave it after.
        const names = (await settledLines(log)).map((l) => l.split(' | ')[0]);
        const verify = names.indexOf('VERIFY');
        assert.ok(verify > 0 && names.slice(verify).includes('SELECT EF 000A'), names.join(', '));

        const signPage = await b.newPage(`${rp.origin}/sign`);
        const signWin = await windowFor(b, () => signPage.click('#sign-documents'));
        await waitText(signWin, '#status', /スマートフォン \(Android\) の電子証明書/);
        await fill(signWin, '#pin', SIGN_PASSWORD);
        await press(signWin, '#pin', 'Enter');
        const s = await pageResult(signPage);
        assert.equal(s.state, 'ok', JSON.stringify(s.body));
        assert.deepEqual(s.body.documents, ['利用規約への同意書.txt', '口座開設申込書.txt']);
        assert.equal((await settledLines(log)).filter((l) => l.startsWith('SIGN ')).length, 3, 'one login, two documents');
      });
    });

    test('wrong PIN shows the tries, the last try needs a confirmation, then the PIN is blocked', () => withBrowser(kind, {}, async (b) => {
      const page = await b.newPage(`${rp.origin}/library.html`);
      await page.waitForFunction(() => window.mynakeyReady === true, { polling: 100 });
      const win = await windowFor(b, () => startLogin(page, { challenge: challenge() }));
      assert.match(await text(win, '#tries'), /3/);
      await fill(win, '#pin', '9999');
      await press(win, '#pin', 'Enter');
      await waitText(win, '#alert', /あと 2 回/);
      await fill(win, '#pin', '8888');
      await press(win, '#pin', 'Enter');
      await waitText(win, '#alert', /あと 1 回/);
      assert.equal(await hidden(win, '#last-try'), false, 'the last-try warning is shown');
      // Without the confirmation the last try is not sent.
      await fill(win, '#pin', '7777');
      await press(win, '#pin', 'Enter');
      await waitText(win, '#alert', /チェック/);
      await click(win, '#last-try-confirm');
      await fill(win, '#pin', '7777');
      await press(win, '#pin', 'Enter');
      await win.waitForSelector('#blocked:not([hidden])', { timeout: 20000 });
      assert.match(await text(win, '#blocked'), /市区町村/);
      await click(win, '#close');
      assert.equal(await outcome(page), 'PIN_BLOCKED');
    }));

    test('Cancel, Esc and closing the window each end the request with USER_CANCELLED', () => withBrowser(kind, {}, async (b) => {
      const page = await b.newPage(`${rp.origin}/library.html`);
      await page.waitForFunction(() => window.mynakeyReady === true, { polling: 100 });
      for (const how of ['cancel', 'escape', 'close']) {
        const win = await windowFor(b, () => startLogin(page, { challenge: challenge() }));
        if (how === 'cancel') await click(win, '#cancel');
        if (how === 'escape') await press(win, '#pin', 'Escape');
        if (how === 'close') await win.close();
        assert.equal(await outcome(page), 'USER_CANCELLED', how);
      }
    }));

    test('no card: the window asks for it and continues when the card arrives', { skip: TRANSPORT !== 'pcsc' && 'needs the pcsc transport' }, () => withBrowser(kind, { card: false }, async (b) => {
      const page = await b.newPage(`${rp.origin}/login`);
      const win = await windowFor(b, () => page.click('#login'));
      await waitText(win, '#status', /カードリーダーに置いてください/);
      b.pcsc.insertCard();
      await waitText(win, '#status', /カードを確認しました/);
      await fill(win, '#pin', AUTH_PIN);
      await press(win, '#pin', 'Enter');
      const r = await pageResult(page);
      assert.equal(r.state, 'ok', JSON.stringify(r.body));
    }));

    test('a page cannot set the origin: the proof is bound to the real one', () => withBrowser(kind, {}, async (b) => {
      const page = await b.newPage(`${rp.origin}/library.html`);
      await page.waitForFunction(() => window.mynakeyReady === true, { polling: 100 });
      const c = challenge();
      const win = await windowFor(b, async () => {
        await page.mouse.click(1, 1);
        // Past the library: a raw request carrying an origin of the page's choosing.
        await page.evaluate((ch) => {
          window.rawAnswer = new Promise((resolve) => {
            window.addEventListener('message', (ev) => { if (ev.data && ev.data.type === 'mynakey:response' && ev.data.id === 'spoof') resolve(ev.data); });
          });
          window.postMessage({ type: 'mynakey:request', id: 'spoof', action: 'authenticate', args: { challenge: ch, origin: 'https://evil.example' } }, location.origin);
        }, c);
      });
      assert.equal(await text(win, '#origin'), rp.origin.replace('https://', ''), 'the window shows the real origin');
      await fill(win, '#pin', AUTH_PIN);
      await press(win, '#pin', 'Enter');
      const answer = await page.evaluate(() => window.rawAnswer);
      assert.ok(answer.result, JSON.stringify(answer));
      const token = JSON.stringify(answer.result);
      assert.notEqual((await verifyCli(['--origin', 'https://evil.example', '--challenge', c], token)).code, 0);
      const real = await verifyCli(['--origin', rp.origin, '--challenge', c], token);
      assert.equal(real.code, 0, real.out);
    }));

    test('host not installed: HOST_UNAVAILABLE, and no window', () => withBrowser(kind, { host: false }, async (b) => {
      const page = await b.newPage(`${rp.origin}/library.html`);
      await page.waitForFunction(() => window.mynakeyReady === true, { polling: 100 });
      let opened = false;
      b.nextWindow().then(() => { opened = true; });
      await startLogin(page, { challenge: challenge() });
      assert.equal(await outcome(page), 'HOST_UNAVAILABLE');
      assert.equal(b.hostStarts(), 0);
      assert.equal(opened, false);
    }));

    test('the Japanese window, as a screenshot in the tests\' output folder', () => withBrowser(kind, {}, async (b) => {
      const page = await b.newPage(`${rp.origin}/sign`);
      const win = await windowFor(b, () => page.click('#sign-documents'));
      assert.equal(await win.evaluate(() => document.documentElement.lang), 'ja');
      assert.match(await text(win, '#submit'), /署名する/);
      mkdirSync(out, { recursive: true });
      await fill(win, '#pin', 'ABC');
      await win.screenshot({ path: join(out, `${kind}-consent-ja.png`) });
      await click(win, '#cancel');
      assert.equal((await pageResult(page)).body.code, 'USER_CANCELLED');
    }));
  });
}
