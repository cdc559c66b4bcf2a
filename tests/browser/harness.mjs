// Shared setup for the browser tests: a real headless Chromium (Debian's /usr/bin/chromium, never
// a downloaded one) with the real mynakey extension, the real mynakey-host registered as
// jp.mynakey.host in a fresh profile, and the example relying party over https on 127.0.0.1.
//
// Environment:
//   MYNAKEY_HOST                the host binary (default target/debug/mynakey-host; relative to the repo)
//   MYNAKEY_RP                  the relying party's tools (default target/debug/mynakey-rp; relative to the repo)
//   MYNAKEY_TEST_TSA            the test TSA (default target/debug/mynakey-test-tsa; relative to the repo)
//   MYNAKEY_BROWSER_TRANSPORT   how the host reaches a card:
//                                 pcsc       the real PC/SC path: pcscd + vpcd + `mynakey-host simulate --vpcd` (default)
//                                 simulator  `mynakey-host --simulator` (built-in simulated card, no pcscd)
//   CHROMIUM                    the browser binary (default /usr/lib/chromium/chromium, else /usr/bin/chromium)
//   MYNAKEY_TEST_KEEP=1         keep the temp directories (profile, host log) for a look afterwards
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { build } from '../../extension/build.mjs';

import { sleep, waitGateOpen } from './pages.mjs';
import { startServer } from './rp/server.mjs';
import { testTrustDir } from './rp/testpki.mjs';
import { selfSignedCertificate } from './rp/tls.mjs';

// The page and window helpers both harnesses share are written once, in pages.mjs.
export { gateLog, gesture, outcome, pageResult, sleep, startLogin, TEST_CHALLENGE, waitGateOpen } from './pages.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const EXTENSION_ID = 'dedionhfdmdcponbglgdkifomcnkbdka';
export const HOST_BINARY = resolve(repo, process.env.MYNAKEY_HOST || 'target/debug/mynakey-host');
export const RP_BINARY = resolve(repo, process.env.MYNAKEY_RP || 'target/debug/mynakey-rp');
export const TEST_TSA_BINARY = resolve(repo, process.env.MYNAKEY_TEST_TSA || 'target/debug/mynakey-test-tsa');
export const TRANSPORT = process.env.MYNAKEY_BROWSER_TRANSPORT || 'pcsc';
export const CHROMIUM = process.env.CHROMIUM
  || ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => existsSync(p)) || '/usr/bin/chromium';
export const AUTH_PIN = '1234';
export const SIGN_PASSWORD = 'ABC123';

if (!['simulator', 'pcsc'].includes(TRANSPORT)) throw new Error(`MYNAKEY_BROWSER_TRANSPORT=${TRANSPORT}: use simulator or pcsc`);

const keep = process.env.MYNAKEY_TEST_KEEP === '1';

/** A temp directory removed by cleanup(). */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `mynakey-${prefix}-`));
}

/**
 * The extension's test build: built by extension/build.mjs (which bundles tldts) into a private
 * folder per test process, so a test never runs a stale build. It is the store build plus the
 * window's timeline and input-gate record (extension/src/test-hooks.js) the tests read;
 * artifacts.test.mjs checks the store artifacts carry none of them.
 */
let built;
export function extensionBuild() {
  built ??= build(tempDir('extension'), { test: true });
  return built;
}

/** The test PKI's roots, for the relying party's verifier (see rp/testpki.mjs). */
export const TRUST_DIR = testTrustDir();

let tls;
/**
 * One relying-party server per test file; `timestamps`: its TSA (rp/contract.mjs). What it logs
 * goes to stderr as usual and is kept: `log()` gives it, for failure messages.
 */
export async function startRp({ timestamps } = {}) {
  tls ??= selfSignedCertificate();
  const lines = [];
  const log = (line) => {
    lines.push(line);
    console.error(line);
  };
  const rp = await startServer({ port: 0, rpBinary: RP_BINARY, trustDir: TRUST_DIR, timestamps, log, ...tls });
  return { ...rp, log: () => lines.join('\n') };
}

/**
 * The test TSA (`mynakey-test-tsa`: OpenSSL's `openssl ts -reply` behind HTTP on loopback, with
 * tests/fixtures/pki/tsa.der). Returns {url, stop()}.
 */
export async function startTestTsa() {
  const tsa = spawn(TEST_TSA_BINARY, ['grant'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolveUrl, reject) => {
    let out = '';
    tsa.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolveUrl(out.trim());
    });
    tsa.once('error', reject);
    tsa.once('exit', (code) => reject(new Error(`${TEST_TSA_BINARY} exited (${code}) before printing its URL`)));
  });
  return {
    url,
    async stop() {
      if (tsa.exitCode !== null) return;
      tsa.kill('SIGTERM');
      await new Promise((r) => tsa.once('exit', r));
    },
  };
}

/**
 * Writes the wrapper script the host manifest points at. Browsers pass no arguments from the
 * manifest, so the transport is chosen here. The host's stderr goes to `<dir>/host.log`.
 * Returns {path, log, text() (the log so far), starts() (how many hosts the browser started)}.
 */
export function writeHostWrapper(dir, { transport, pcscSocket }) {
  const log = join(dir, 'host.log');
  const lines = ['#!/bin/sh', `echo "started: $*" >> '${log}'`];
  if (transport === 'pcsc') {
    lines.push(`export PCSCLITE_CSOCK_NAME='${pcscSocket}'`, `exec '${HOST_BINARY}' "$@" 2>> '${log}'`);
  } else {
    lines.push(`exec '${HOST_BINARY}' --simulator "$@" 2>> '${log}'`);
  }
  const path = join(dir, 'mynakey-host-wrapper');
  writeFileSync(path, lines.join('\n') + '\n');
  chmodSync(path, 0o755);
  const text = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  return { path, log, text, starts: () => text().split('\n').filter((l) => l.startsWith('started:')).length };
}

/** Who may start the host, as a Chromium host manifest says it. */
export const CHROMIUM_ALLOWED = { allowed_origins: [`chrome-extension://${EXTENSION_ID}/`] };

/**
 * Writes the host manifest for the browser tests into `dir`: the host is `hostPath`, `allowed`
 * is CHROMIUM_ALLOWED or Firefox's {allowed_extensions}.
 */
export function writeHostManifest(dir, hostPath, allowed) {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'jp.mynakey.host', description: 'mynakey (browser tests)', path: hostPath, type: 'stdio', ...allowed };
  writeFileSync(join(dir, 'jp.mynakey.host.json'), JSON.stringify(manifest, null, 2));
}

/**
 * Launches Chromium with the extension and a fresh profile.
 *   lang        'ja' (default) or 'en' — the browser UI language, which picks the window's language
 *   host        true (default): register the host; false: no host manifest (HOST_UNAVAILABLE)
 *   extension   true (default): load the extension
 *   transport   'simulator' or 'pcsc' (default: MYNAKEY_BROWSER_TRANSPORT)
 *   card        transport pcsc: put the simulated card on the reader at once (default true)
 *   profile     the user-data-dir to use (default: a fresh one in the temp directory)
 *   mapHosts    true: every host name resolves to 127.0.0.1 (pages on made-up domains)
 *   systemHost  true: no manifest in the profile, and the browser's environment names the private
 *               pcscd, so a host registered system-wide (the installed package) reaches the card
 * Returns {context, dir, pcsc, hostLog(), close()}.
 */
export async function launch({ lang = 'ja', host = true, extension = true, transport = TRANSPORT, card = true, profile, mapHosts = false, systemHost = false } = {}) {
  const dir = tempDir('browser');
  // The PC/SC path: a private pcscd with the vpcd reader, with the simulated card on it unless
  // `card: false` (then the test calls pcsc.insertCard()).
  const pcsc = transport === 'pcsc' ? await startPcsc() : null;
  if (pcsc && card) pcsc.insertCard();
  const pcscSocket = pcsc && pcsc.socket;
  const udd = profile || join(dir, 'profile');
  mkdirSync(join(udd, 'NativeMessagingHosts'), { recursive: true });
  const wrapper = writeHostWrapper(dir, { transport, pcscSocket });
  if (host && !systemHost) writeHostManifest(join(udd, 'NativeMessagingHosts'), wrapper.path, CHROMIUM_ALLOWED);
  const locale = lang === 'en' ? 'en-US' : 'ja';
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', `--lang=${locale}`,
  ];
  if (extension) {
    const dir = extensionBuild().chromium;
    args.push(`--disable-extensions-except=${dir}`, `--load-extension=${dir}`);
  }
  if (mapHosts) args.push('--host-resolver-rules=MAP * 127.0.0.1');
  const context = await chromium.launchPersistentContext(udd, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args,
    locale,
    viewport: null,
    env: {
      ...process.env,
      ...(systemHost && pcscSocket ? { PCSCLITE_CSOCK_NAME: pcscSocket } : {}),
      LANG: lang === 'en' ? 'en_US.UTF-8' : 'ja_JP.UTF-8',
      LANGUAGE: lang === 'en' ? 'en_US' : 'ja',
    },
  });
  return {
    context,
    dir,
    pcsc,
    hostLog: wrapper.text,
    /** How many host processes the browser has started (the wrapper logs each start). */
    hostStarts: wrapper.starts,
    async close() {
      await context.close().catch(() => {});
      if (pcsc) await pcsc.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const consentUrl = `chrome-extension://${EXTENSION_ID}/consent.html`;

/**
 * Waits for the extension's consent window; `trigger` is what makes the page ask. Unless
 * `gateOpen: false`, also waits until the window's input gate (800 ms after it appeared) lets
 * buttons and Enter act. With `page` (the relying party's page, whose #result says how its
 * request ended) it fails at once when the page shows an error instead of a window opening; on
 * any failure the message says what the page, every open window and `explain()` (the test's
 * logs) showed, so a failure in CI says why.
 */
export async function consentWindow(context, trigger, { gateOpen = true, page, explain } = {}) {
  const popup = context.waitForEvent('page', { predicate: (p) => p.url().startsWith(consentUrl), timeout: 15000 });
  const watching = { on: true };
  let win;
  try {
    const opened = Promise.all([popup, trigger()]);
    [win] = await (page ? Promise.race([opened, pageShowsError(page, watching)]) : opened);
  } catch (e) {
    throw new Error(`${e.message}\n${await whatWasShown(context, page, explain)}`, { cause: e });
  } finally {
    watching.on = false;
  }
  await win.waitForLoadState('domcontentloaded');
  await win.locator('#main[aria-busy="false"]').waitFor({ timeout: 10000 });
  if (gateOpen) await waitGateOpen(win);
  return win;
}

/** Rejects once `page`'s #result shows an error (polled while `watching.on`). */
async function pageShowsError(page, watching) {
  while (watching.on) {
    const text = await page.evaluate(() => document.querySelector('#result[data-state="error"]')?.textContent)
      .catch(() => null);
    if (text) throw new Error(`the page shows an error instead of opening a consent window: ${text}`);
    await sleep(100);
  }
  return new Promise(() => {});
}

/** What the page, every open window and the test's logs (`explain()`) showed, for a failure message. */
async function whatWasShown(context, page, explain) {
  const text = (p, selector) => p.locator(selector).first().textContent({ timeout: 1000 }).then((t) => t.trim(), () => '?');
  const lines = [];
  if (page) lines.push(`page #result (${await page.locator('#result').getAttribute('data-state', { timeout: 1000 }).catch(() => '?')}): ${await text(page, '#result')}`);
  for (const p of context.pages()) {
    lines.push(`open: ${p.url()}`);
    if (p.url().startsWith(consentUrl)) {
      lines.push(`  action: ${await text(p, '#action')} | status: ${await text(p, '#status')} | alert: ${await text(p, '#alert')} | busy: ${await p.locator('#main').getAttribute('aria-busy', { timeout: 1000 }).catch(() => '?')}`);
      // The test build's records: when the input gate armed and what it ignored (an Enter that
      // came too soon does nothing), and the flow's steps.
      const records = await p.evaluate(() => JSON.stringify({ gate: globalThis.mynakeyGateLog, timeline: globalThis.mynakeyTimeline, now: performance.now() }))
        .catch((e) => String(e));
      lines.push(`  ${records}`);
    }
  }
  if (explain) lines.push(await explain());
  return lines.join('\n');
}

/** Opens a page of the relying party and waits until its module has loaded. */
export async function openPage(context, origin, path) {
  const page = await context.newPage();
  await page.goto(`${origin}${path}`);
  if (path === '/library.html') await page.waitForFunction(() => window.mynakeyReady === true);
  return page;
}

/** Runs `mynakey-rp verify` directly (for checks outside the relying party). */
export function verifyCli(args, stdin) {
  return new Promise((resolveRun) => {
    const child = spawn(RP_BINARY, ['verify', ...args, '--trust', TRUST_DIR, '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', (code) => resolveRun({ code, out }));
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

// ------------------------------------------------------------------------------------------------
// The PC/SC path (MYNAKEY_BROWSER_TRANSPORT=pcsc): an isolated pcscd with the vpcd reader, and the
// simulated card connected to it by `mynakey-host simulate --vpcd` (see the shared reference
// docs/card-facts.md T4). Needs root (unshare --mount) and the pcscd + vsmartcard-vpcd packages.

/** `apduLog`: a file the simulated card appends each APDU to (`simulate --apdu-log`), one line each. */
export async function startPcsc({ apduLog } = {}) {
  const dir = tempDir('pcsc');
  const port = await freeVpcdPort();
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'vpcd'), [
    'FRIENDLYNAME "Virtual PCD"',
    `DEVICENAME   /dev/null:0x${port.toString(16).toUpperCase()}`,
    'LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so',
    `CHANNELID    0x${port.toString(16).toUpperCase()}`,
  ].join('\n') + '\n');
  mkdirSync('/run/pcscd', { recursive: true });
  const pcscd = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
    `mount --bind '${join(dir, 'run')}' /run/pcscd && exec pcscd --foreground -c '${join(dir, 'conf')}'`],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  // Read, so a chatty pcscd never blocks on a full pipe; the tail is kept for failure messages.
  let pcscdLog = '';
  pcscd.stderr.on('data', (d) => { pcscdLog = (pcscdLog + d).slice(-8192); });
  const socket = join(dir, 'run', 'pcscd.comm');
  for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(50);
  if (!existsSync(socket)) throw new Error(`pcscd did not start: ${pcscdLog}`);
  let card = null;
  return {
    socket,
    port,
    /** The end of pcscd's own messages (for a failure's explanation). */
    log: () => pcscdLog,
    /**
     * Puts a simulated card on the reader: `profile` card1 (default) or card2 (another person,
     * PIN 5678), its APDUs appended to `log` (default: the one given to startPcsc).
     */
    insertCard({ profile = 'card1', log = apduLog } = {}) {
      const logArgs = log ? ['--apdu-log', log] : [];
      card = spawn(HOST_BINARY, ['simulate', '--vpcd', `127.0.0.1:${port}`, '--card', profile, ...logArgs], { stdio: 'ignore' });
    },
    removeCard() {
      if (card) card.kill('SIGTERM');
      card = null;
    },
    async stop() {
      if (card) card.kill('SIGTERM');
      pcscd.kill('SIGTERM');
      await new Promise((r) => (pcscd.exitCode !== null ? r() : pcscd.once('exit', r)));
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A port pair for our own vpcd reader that nothing holds. Below the kernel's ephemeral range, so
 * no outgoing connection (the browser's, the relying party's) can take it while pcscd starts —
 * vpcd's own default, 35963, lies inside that range on Linux — and checked by listening on it.
 */
async function freeVpcdPort() {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const top = Math.min(ephemeralLow, 32768);
  const canListen = (port) => new Promise((resolveListen) => {
    const probe = createServer();
    probe.once('error', () => resolveListen(false));
    probe.listen(port, () => probe.close(() => resolveListen(true)));
  });
  for (let i = 0; i < 200; i++) {
    const port = top - 2000 + ((process.pid + i * 7) % 900) * 2;
    if (await canListen(port) && await canListen(port + 1)) return port;
  }
  throw new Error('no free port pair for vpcd below the ephemeral range');
}

/**
 * Presses a key in (or clicks) the consent window, for an action that may end the request: the
 * window can close before Playwright's action completes, which is not a failure.
 */
export async function pressIn(win, selector, key) {
  try {
    await waitGateOpen(win);
    await (key ? win.locator(selector).press(key) : win.locator(selector).click());
  } catch (e) {
    if (!win.isClosed()) throw e;
  }
}

export const clickIn = (win, selector) => pressIn(win, selector, null);

/** Counts the consent windows opened from now on: {n}. */
export function countConsentWindows(context) {
  const seen = { n: 0 };
  context.on('page', (p) => { if (p.url().startsWith(consentUrl)) seen.n++; });
  return seen;
}

/** Blocks the auth PIN from its window: two wrong PINs, then the confirmed last try. */
export async function blockAuthPin(win) {
  for (const [pin, left] of [['1111', 2], ['2222', 1]]) {
    await win.locator('#pin').fill(pin);
    await pressIn(win, '#pin', 'Enter');
    await win.locator(`#alert:has-text("あと ${left} 回")`).waitFor();
  }
  await win.locator('#last-try-confirm').check();
  await win.locator('#pin').fill('3333');
  await pressIn(win, '#pin', 'Enter');
  await win.locator('#blocked:not([hidden])').waitFor();
}
