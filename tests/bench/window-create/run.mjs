#!/usr/bin/env node
// What does windows.create cost, and can anything the extension passes change it? A benchmark
// on demand (never a timed test): a minimal extension (ext/) with the project's real consent
// page copied in times windows.create for paired variants, interleaved round by round, in the
// same headless Debian Firefox ESR and, as a control, Debian's Chromium (never downloaded
// browsers), launched as the browser tests launch them (tests/browser/both/driver.mjs).
//
//   node tests/bench/window-create/run.mjs [--rounds 10] [--browsers firefox,chromium] [--runs 1]
//                                          [--settle 300] [--out FILE.md] [--raw FILE.json] [--headed]
//
// --from FILE.json prints the tables of an earlier --raw file instead of running.
// --headed shows the browsers on $DISPLAY (e.g. under `xvfb-run -a`) instead of running headless.
// --runs N alternates the browsers N times (firefox, chromium, firefox, …). Needs
// `npm ci --prefix tests/browser` and `npm ci --prefix extension` (for the real consent page).
// Each row: from the call (calledAt) to the promise resolved, to the page's document starting
// (its performance.timeOrigin), to its script running, to a task after its first frame.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { build } from '../../../extension/build.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const require = createRequire(join(repo, 'tests/browser/package.json'));
const { default: puppeteer } = await import(pathToFileURL(require.resolve('puppeteer-core')).href);

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const CHROMIUM = process.env.CHROMIUM || '/usr/lib/chromium/chromium';
const GECKO_ID = 'window-create-bench@mynakey.jp';
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' }, browsers: { type: 'string', default: 'firefox,chromium' },
    runs: { type: 'string', default: '1' }, settle: { type: 'string', default: '300' },
    out: { type: 'string' }, raw: { type: 'string' }, headed: { type: 'boolean', default: false },
    from: { type: 'string' },
  },
});

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The bench extension for `kind`, with the project's consent page (built as users get it). */
function extensionFor(kind, dir, port) {
  const ext = join(dir, 'ext');
  cpSync(join(here, 'ext'), ext, { recursive: true });
  const project = build(join(dir, 'build'))[kind];
  for (const f of ['consent.html', 'consent.css', 'consent.js', '_locales']) cpSync(join(project, f), join(ext, f), { recursive: true });
  writeFileSync(join(ext, 'config.js'), `globalThis.BENCH = ${JSON.stringify({ port, rounds: Number(opt.rounds), settleMs: Number(opt.settle) })};\n`);
  if (kind === 'firefox') {
    const m = JSON.parse(readFileSync(join(ext, 'manifest.json'), 'utf8'));
    m.background = { scripts: ['config.js', 'background.js'] };
    m.browser_specific_settings = { gecko: { id: GECKO_ID, data_collection_permissions: { required: ['none'] } } };
    writeFileSync(join(ext, 'manifest.json'), JSON.stringify(m, null, 2));
  }
  return ext;
}

function launchOptions(kind, dir, ext) {
  const env = { ...process.env, HOME: join(dir, 'home'), LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja', MOZ_CRASHREPORTER_DISABLE: '1' };
  if (kind === 'firefox') {
    return { browser: 'firefox', protocol: 'webDriverBiDi', headless: !opt.headed, executablePath: FIREFOX, env, extraPrefsFirefox: { 'intl.locale.requested': 'ja' } };
  }
  return {
    browser: 'chrome', protocol: 'cdp', headless: !opt.headed, executablePath: CHROMIUM, env, userDataDir: join(dir, 'profile'), defaultViewport: null,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--lang=ja', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`],
  };
}

/** Runs the extension's rounds in one fresh browser of `kind`; resolves with its report. */
async function runOnce(kind) {
  const dir = mkdtempSync(join(tmpdir(), `mynakey-window-create-${kind}-`));
  let deliver;
  const delivered = new Promise((r) => { deliver = r; });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { res.writeHead(204, { 'access-control-allow-origin': '*' }).end(); deliver(JSON.parse(body)); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const ext = extensionFor(kind, dir, server.address().port);
  const before = loadavg();
  const browser = await puppeteer.launch(launchOptions(kind, dir, ext));
  try {
    const version = await browser.version();
    if (kind === 'firefox') await browser.installExtension(ext);
    const timeout = new Promise((_, no) => setTimeout(() => no(new Error(`${kind}: no result in 15 min`)), 15 * 60_000).unref());
    const report = await Promise.race([delivered, timeout]);
    if (report.fatal) throw new Error(`${kind}: ${report.fatal}`);
    return { kind, version, loadBefore: before, loadAfter: loadavg(), ...report };
  } finally {
    await browser.close().catch(() => {});
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (xs) => (xs.length ? `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})` : '–');

const DESCRIBE = {
  'product': "popup, the real consent.html, 480×720, focused (the product's call)",
  'popup': 'popup, an empty extension page, 480×720, focused',
  'normal': 'type normal, empty page, 480×720',
  'panel': 'type panel, empty page, 480×720',
  'detached_panel': 'type detached_panel, empty page, 480×720',
  'popup-blank': 'popup, about:blank, 480×720',
  'popup-nourl': 'popup, no url, 480×720',
  'popup-nosize': 'popup, empty page, no width/height',
  'popup-lefttop': 'popup, empty page, 480×720 at left/top 100',
  'popup-unfocused': 'popup, empty page, 480×720, focused: false',
  'popup-second': 'popup, empty page, while another popup is open',
  'popup-adopt': 'popup, 480×720, adopting a tab whose empty page had already loaded (tabId) — measurement only',
  'tab': 'tabs.create (empty page) in the current window — not a window; measurement only',
};

/** One Markdown table per browser: each variant's times since the call, ms. */
function table(runs) {
  const lines = [];
  for (const kind of [...new Set(runs.map((r) => r.kind))]) {
    const mine = runs.filter((r) => r.kind === kind);
    const results = mine.flatMap((r) => r.results);
    lines.push(`### ${kind} (${mine[0].version}); load ${mine.map((r) => `${r.loadBefore} → ${r.loadAfter}`).join(', ')}`, '',
      '| variant | n | windows.onCreated | document starts | promise resolved | resolved − product\'s, same round | script runs | first frame | script − resolved |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const productIn = new Map(mine.flatMap((r, i) => r.results.filter((x) => x.id === 'product').map((x) => [`${i}/${x.run.split('-').pop()}`, x])));
    for (const id of Object.keys(DESCRIBE)) {
      const rs = results.filter((r) => r.id === id);
      if (!rs.length) continue;
      const failed = rs.find((r) => r.error);
      if (failed) { lines.push(`| ${DESCRIBE[id]} | 0 | rejected: ${failed.error} | | | | | | |`); continue; }
      const since = (k) => rs.filter((r) => typeof r[k] === 'number').map((r) => r[k] - r.calledAt);
      // Paired with the product's call of the same browser run and round (the load hits both alike).
      const paired = mine.flatMap((r, i) => r.results.filter((x) => x.id === id && x.resolvedAt).flatMap((x) => {
        const p = productIn.get(`${i}/${x.run.split('-').pop()}`);
        return p && p.resolvedAt ? [(x.resolvedAt - x.calledAt) - (p.resolvedAt - p.calledAt)] : [];
      }));
      const gap = rs.filter((r) => typeof r.scriptAt === 'number').map((r) => r.scriptAt - r.resolvedAt);
      lines.push(`| ${DESCRIBE[id]} | ${rs.length} | ${cell(since('onCreatedAt'))} | ${cell(since('timeOrigin'))} | ${cell(since('resolvedAt'))} | ${id === 'product' ? '' : cell(paired)} | ${cell(since('scriptAt'))} | ${cell(since('paintAt'))} | ${cell(gap)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const kinds = opt.browsers.split(',');
const runs = opt.from ? JSON.parse(readFileSync(opt.from, 'utf8')) : [];
const started = loadavg();
for (let i = 0; i < (opt.from ? 0 : Number(opt.runs)); i++) {
  for (const kind of kinds) {
    process.stderr.write(`window-create: ${kind}, run ${i + 1}, load ${loadavg()}\n`);
    runs.push(await runOnce(kind));
  }
}
const md = [`## windows.create variants (${new Date().toISOString().slice(0, 10)})`, '',
  `${cpus().length} cores; load average ${started} before, ${loadavg()} after. Command: \`node tests/bench/window-create/run.mjs ${process.argv.slice(2).join(' ')}\`;`,
  'medians (min–max) in ms since windows.create (tabs.create) was called; variants interleaved in a shuffled order each round.', '',
  table(runs)].join('\n');
console.log(md);
if (opt.out) writeFileSync(opt.out, md + '\n');
if (opt.raw) writeFileSync(opt.raw, JSON.stringify(runs, null, 1));
