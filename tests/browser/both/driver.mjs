// One driver for both browsers, so one set of test bodies (tests/browser/both.test.mjs) runs in
// each: puppeteer-core 24.43.1 drives Debian's Chromium over CDP and Debian's Firefox ESR over
// WebDriver BiDi (playwright-core cannot drive a stock Firefox). The real extension build of each
// browser, the real host behind the wrapper harness.mjs writes (pcscd + vpcd + the simulated card,
// or --simulator), the example relying party over https.
//   Chromium: the host manifest in the profile's NativeMessagingHosts; Firefox: in a private
//   $HOME/.mozilla/native-messaging-hosts (Firefox reads it per user); the extension installed as
//   a temporary add-on.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

import { GECKO_ID } from '../../../extension/build.mjs';
import { CHROMIUM, CHROMIUM_ALLOWED, extensionBuild, startPcsc, tempDir, TRANSPORT, writeHostManifest, writeHostWrapper } from '../harness.mjs';
import { waitGateOpen } from '../pages.mjs';

// The page and window helpers both harnesses share are written once, in ../pages.mjs.
export { gesture, outcome, pageResult, startLogin, waitGateOpen } from '../pages.mjs';

export const BROWSERS = ['chromium', 'firefox'];
export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const keep = process.env.MYNAKEY_TEST_KEEP === '1';
const WAIT = { polling: 100, timeout: 20000 };

/** Writes the host manifest where `kind` reads it (in `home` for Firefox, `profile` for Chromium). */
function registerHost(kind, { home, profile, hostPath }) {
  if (kind === 'firefox') writeHostManifest(join(home, '.mozilla/native-messaging-hosts'), hostPath, { allowed_extensions: [GECKO_ID] });
  else writeHostManifest(join(profile, 'NativeMessagingHosts'), hostPath, CHROMIUM_ALLOWED);
}

function launchOptions(kind, { home, profile }) {
  const env = { ...process.env, HOME: home, LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja', MOZ_CRASHREPORTER_DISABLE: '1' };
  if (kind === 'firefox') {
    return {
      browser: 'firefox', protocol: 'webDriverBiDi', headless: true, executablePath: FIREFOX, acceptInsecureCerts: true, env,
      // Japanese UI (with firefox-esr-l10n-ja), so the extension's window is Japanese as in Chromium.
      extraPrefsFirefox: { 'intl.locale.requested': 'ja' },
    };
  }
  const ext = extensionBuild().chromium;
  return {
    browser: 'chrome', protocol: 'cdp', headless: true, executablePath: CHROMIUM, acceptInsecureCerts: true, env,
    userDataDir: profile, defaultViewport: null,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--lang=ja', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
  };
}

/**
 * Starts `kind` with the extension. host: false registers no host (HOST_UNAVAILABLE); card: false
 * starts the private pcscd with an empty reader (then `pcsc.insertCard()`); apduLog: a file the
 * simulated card appends its APDUs to (pcsc transport).
 * Returns {kind, browser, pcsc, newPage(url), nextWindow(), hostStarts(), close()}.
 */
export async function open(kind, { host = true, card = true, apduLog } = {}) {
  const dir = tempDir(`${kind}-both`);
  const home = join(dir, 'home');
  const profile = join(dir, 'profile');
  mkdirSync(home, { recursive: true });
  mkdirSync(profile, { recursive: true });
  const pcsc = TRANSPORT === 'pcsc' ? await startPcsc({ apduLog }) : null;
  if (pcsc && card) pcsc.insertCard();
  const wrapper = writeHostWrapper(dir, { transport: TRANSPORT, pcscSocket: pcsc && pcsc.socket });
  if (host) registerHost(kind, { home, profile, hostPath: wrapper.path });
  const browser = await puppeteer.launch(launchOptions(kind, { home, profile }));
  if (kind === 'firefox') await browser.installExtension(extensionBuild().firefox);
  return {
    kind,
    browser,
    pcsc,
    async newPage(url) {
      const page = await browser.newPage();
      await page.goto(url);
      return page;
    },
    /** The next consent window, once it has loaded and its input gate is open. */
    nextWindow: () => nextConsentWindow(browser),
    hostStarts: wrapper.starts,
    async close() {
      await browser.close().catch(() => {});
      if (pcsc) await pcsc.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves with the next extension page (the consent window). Under BiDi a popup's url() stays
 * about:blank (Firefox reports no load for moz-extension:// documents), so the page is asked
 * where it is; the listener is in place before the caller triggers the window.
 */
function nextConsentWindow(browser) {
  return new Promise((resolve) => {
    const onTarget = async (t) => {
      if (t.type() !== 'page') return;
      const p = await t.page();
      if (!p) return;
      try {
        await p.waitForFunction(() => /^(chrome|moz)-extension:$/.test(location.protocol) && location.pathname === '/consent.html', WAIT);
        browser.off('targetcreated', onTarget);
        await p.waitForSelector('#main[aria-busy="false"]', WAIT);
        resolve(p);
      } catch { /* another page */ }
    };
    browser.on('targetcreated', onTarget);
  });
}

export const text = (p, sel) => p.$eval(sel, (e) => e.textContent);
export const hidden = (p, sel) => p.$eval(sel, (e) => e.hidden || e.closest('[hidden]') !== null);

/** Waits until `sel`'s text matches `re`. */
export function waitText(p, sel, re, timeout = 20000) {
  return p.waitForFunction((s, src) => {
    const e = document.querySelector(s);
    return !!e && new RegExp(src).test(e.textContent);
  }, { ...WAIT, timeout }, sel, re.source);
}

/** Replaces the value of the input `sel` by typing `value`. */
export async function fill(p, sel, value) {
  await p.$eval(sel, (e) => { e.value = ''; });
  await p.type(sel, value);
}

/** A key or a click in the window once its gate is open; the window may close as it acts. */
async function act(win, fn) {
  try {
    await waitGateOpen(win);
    await fn();
  } catch (e) {
    // The key's own release can reach a window its press already closed.
    if (!win.isClosed() && !/Target closed|has been closed|no such frame/i.test(String(e && e.message))) throw e;
  }
}
export const press = (win, sel, key) => act(win, async () => { await win.focus(sel); await win.keyboard.press(key); });
export const click = (win, sel) => act(win, () => win.click(sel));
