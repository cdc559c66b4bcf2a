// The browser round trip a person feels, measured in real headless Chromium and Firefox ESR with
// the real extension, the real host and the simulated card behind pcscd + vpcd (the shared driver
// tests/browser/both/driver.mjs). A benchmark, not a test: nothing asserts on timings, but a round
// that fails (an error, no proof) ends the run with a non-zero exit.
//
//   node tests/bench/browser.mjs [--rounds 20] [--fresh 5] [--browsers chromium,firefox] [--out FILE] [--raw FILE]
//
// (tests/bench/browser.sh builds the release host and sets MYNAKEY_HOST and the transport.) Each
// round: a trusted click on the relying party's /library.html, then
// window.mynakey.authenticate({challenge}); the PIN is typed in the consent window and submitted.
// Every time is `performance.timeOrigin + performance.now()` on the page, in the window or in the
// service worker (the flow's marks, carried in the window's `init`; see globalThis.mynakeyTimeline
// in extension/src/test-hooks.js: the harness loads the extension's test build, as the store build
// records no times), so the clocks are comparable on one machine.
//   wait (a): page call → the window has rendered the request and painted a frame;
//   wait (b): the window's form submit → the page's promise resolved with the proof;
//   APDUs after the PIN: lines the simulated card's APDU log gained from the submit until the log
//   stops growing after the proof (the host may still reset the card after answering).
// --fresh N: N more browser launches whose first request alone is measured (a person's first
// login after starting the browser: service worker, host and window all start cold).
// Writes Markdown to stdout and to --out (default tests/bench/out/browser.md); --raw FILE: every
// round's marks as JSON too, to line them up with a host log or strace (epoch ms).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { BROWSERS, fill, open, press } from '../browser/both/driver.mjs';
import { AUTH_PIN, HOST_BINARY, repo, startRp, tempDir, TRANSPORT } from '../browser/harness.mjs';
import { gesture, sleep } from '../browser/pages.mjs';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    fresh: { type: 'string', default: '5' },
    browsers: { type: 'string', default: BROWSERS.join(',') },
    out: { type: 'string', default: join(repo, 'tests/bench/out/browser.md') },
    raw: { type: 'string' },
  },
});
const rounds = Number(opts.rounds);
const fresh = Number(opts.fresh);
if (!Number.isInteger(fresh) || fresh < 0) throw new Error(`--fresh ${opts.fresh}: a whole number`);
const kinds = opts.browsers.split(',').filter(Boolean);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${opts.rounds}: a positive whole number`);
for (const k of kinds) if (!BROWSERS.includes(k)) throw new Error(`--browsers: ${k} is not one of ${BROWSERS.join(', ')}`);
if (TRANSPORT !== 'pcsc') throw new Error('the round trip is measured through pcscd + vpcd: MYNAKEY_BROWSER_TRANSPORT=pcsc');
if (!existsSync(HOST_BINARY)) throw new Error(`no host binary at ${HOST_BINARY} (cargo build --release -p mynakey-host)`);
const say = (s) => process.stderr.write(`bench: ${s}\n`);

/**
 * The rows of wait (a), in order: each is the time from the mark before it. The marks come from
 * the page (`call`), the flow in the service worker (`flow.*`) and the window (the rest).
 */
const STAGES = [
  ['start', 'page call → service worker has the request'],
  ['hostReady', 'host spawned + version handshake answered'],
  ['cardRead', 'card read answered (status or prepare, through pcscd)'],
  ['windowCreated', 'windows.create resolved'],
  ['script', 'window page loaded, its script runs'],
  ['windowConnected', 'window port connected (flow sees it)'],
  ['init', 'init message reached the window'],
  ['rendered', 'window rendered origin + action'],
  ['painted', 'first frame painted after render'],
];

/** Steps that overlap the rows above, each timed on its own (from, to, label). */
const SPANS = [
  ['windowAsked', 'windowCreated', 'windows.create alone, called → resolved'],
  ['cardAsked', 'cardRead', 'card read alone, request posted → answer in the flow'],
];

const lines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

/** Waits until the APDU log has not grown for `quietMs` (at most `maxMs`); returns its lines. */
async function settledLog(path, quietMs = 300, maxMs = 5000) {
  let seen = lines(path).length;
  let still = Date.now();
  for (const end = Date.now() + maxMs; Date.now() < end; await sleep(25)) {
    const n = lines(path).length;
    if (n !== seen) [seen, still] = [n, Date.now()];
    else if (Date.now() - still >= quietMs) break;
  }
  return lines(path);
}

/** `promise`, or a failure naming `what` after `ms`. */
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`${what}: nothing after ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** One login round in `page`: the times, the APDU count and sequence after the PIN. */
async function round(b, page, apduLog) {
  const challenge = randomBytes(32).toString('base64');
  const next = b.nextWindow();
  await gesture(page); // the extension asks for one
  await page.evaluate((c) => {
    const now = () => performance.timeOrigin + performance.now();
    window.bench = { call: now(), done: null, outcome: null };
    window.mynakey.authenticate({ challenge: c }).then(
      (t) => { window.bench.done = now(); window.bench.outcome = { ok: t }; },
      (e) => { window.bench.done = now(); window.bench.outcome = { error: e.code || String(e) }; });
  }, challenge);
  const win = await within(next, 20000, `${b.kind}: the consent window`);
  // The window notes its first painted frame just after render(); give it a moment, and fall back
  // to the render time where no frame comes (a window the browser never paints).
  await win.waitForFunction(() => globalThis.mynakeyTimeline?.painted != null, { polling: 20, timeout: 2000 }).catch(() => {});
  const shown = await win.evaluate(() => globalThis.mynakeyTimeline);
  const before = (await settledLog(apduLog, 200)).length;
  await fill(win, '#pin', AUTH_PIN);
  // The submit time, handed over the moment the form is submitted: the window closes once the
  // proof is there, so it cannot be read afterwards. (The window's own handler ran first.)
  const submitted = win.evaluate(() => new Promise((ok) => {
    document.getElementById('form').addEventListener('submit', () => ok(globalThis.mynakeyTimeline.submitted), { once: true });
  })).catch((e) => e);
  await press(win, '#pin', 'Enter'); // waits for the window's 800 ms input gate first
  await page.waitForFunction(() => window.bench.outcome, { polling: 10, timeout: 30000 });
  const { call, done, outcome } = await page.evaluate(() => window.bench);
  const submittedAt = await submitted;
  if (!outcome.ok || outcome.ok.format !== 'web-eid:1.0' || !outcome.ok.signature) {
    throw new Error(`${b.kind}: the round ended without a login proof: ${JSON.stringify(outcome)}`);
  }
  const after = await settledLog(apduLog);
  const marks = { call, ...shown.flow, script: shown.script, init: shown.init, rendered: shown.rendered, painted: shown.painted ?? shown.rendered };
  if (typeof submittedAt !== 'number') throw new Error(`${b.kind}: the window recorded no submit (${submittedAt})`);
  return {
    marks,
    painted: shown.painted != null,
    waitA: marks.painted - call,
    submitted: submittedAt,
    done,
    waitB: done - submittedAt,
    apdus: after.length - before,
    sequence: after.slice(before).map((l) => l.split(' | ')[0]),
  };
}

/** Runs `rounds` counted rounds (after one warm-up: the browser's first request) in one instance of `kind`. */
async function measure(kind, rp, rounds) {
  const dir = tempDir('bench-apdu');
  const apduLog = join(dir, 'apdu.log');
  const b = await open(kind, { apduLog });
  try {
    const version = await b.browser.version();
    const page = await b.newPage(`${rp.origin}/library.html`);
    await page.waitForFunction(() => window.mynakeyReady === true, { polling: 50 });
    const results = [];
    let warmUp;
    for (let i = 0; i <= rounds; i++) {
      const r = await round(b, page, apduLog);
      say(`${kind} ${i === 0 ? 'warm-up' : `round ${i}/${rounds}`}: (a) ${r.waitA.toFixed(1)} ms, (b) ${r.waitB.toFixed(1)} ms, ${r.apdus} APDUs after the PIN`);
      if (i > 0) results.push(r);
      else warmUp = r;
    }
    return { kind, version, warmUp, results };
  } finally {
    await b.close();
    if (process.env.MYNAKEY_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (x) => x.toFixed(1);
function summary(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s[s.length - 1], n: s.length };
}
const row = (label, xs, f = ms) => {
  const { min, median, max, n } = summary(xs);
  return `| ${label} | ${f(min)} | ${f(median)} | ${f(max)} | ${n} |`;
};

/** Each mark's median time since the page call, in the order of STAGES. */
function sinceCall(rs) {
  return STAGES.map(([m]) => m).filter((m) => rs.some((r) => typeof r.marks[m] === 'number'))
    .map((m) => `${m} ${ms(summary(rs.filter((r) => typeof r.marks[m] === 'number').map((r) => r.marks[m] - r.marks.call)).median)}`)
    .join(', ');
}

function report({ kind, version, warmUp, results, fresh: firsts }) {
  const out = [`### ${kind} (${version})`, '', '| stage | min | median | max | n |', '|---|---:|---:|---:|---:|'];
  out.push(row('**(a) page call → window visible**', results.map((r) => r.waitA)));
  // Each row: from the mark before to this one. The card read is the one step that may overlap
  // others (read while the window opens): it goes where it ended in each round, or nowhere when
  // it ended after `init` (the window never got the mark).
  const steps = new Map();
  for (const r of results) {
    const marks = STAGES.map(([m]) => m).filter((m) => m !== 'cardRead' && typeof r.marks[m] === 'number');
    if (typeof r.marks.cardRead === 'number') {
      const later = marks.findIndex((m) => r.marks[m] > r.marks.cardRead);
      marks.splice(later < 0 ? marks.length : later, 0, 'cardRead');
    }
    let prev = 'call';
    for (const mark of marks) {
      const key = `${prev} → ${mark}`;
      if (!steps.has(key)) steps.set(key, { mark, at: [], ms: [] });
      steps.get(key).ms.push(r.marks[mark] - r.marks[prev]);
      steps.get(key).at.push(r.marks[mark] - r.marks.call);
      prev = mark;
    }
  }
  const label = Object.fromEntries(STAGES);
  const byTime = [...steps].sort(([, p], [, q]) => summary(p.at).median - summary(q.at).median);
  for (const [key, { mark, ms: xs }] of byTime) out.push(row(`  ${label[mark]} (${key})`, xs));
  for (const [from, to, what] of SPANS) {
    const xs = results.filter((r) => typeof r.marks[from] === 'number').map((r) => r.marks[to] - r.marks[from]);
    if (xs.length) out.push(row(`  ${what} (${from} → ${to})`, xs));
  }
  out.push(row('**(b) PIN submit → page has the proof**', results.map((r) => r.waitB)));
  out.push(row('APDUs after the PIN (count)', results.map((r) => r.apdus), String));
  const unpainted = results.filter((r) => !r.painted).length;
  out.push('');
  if (unpainted) out.push(`No painted frame recorded in ${unpainted} of ${results.length} rounds: the render time stands in for it there.`, '');
  out.push(`Each mark since the page call (median): ${sinceCall(results)}.`, '');
  out.push(`APDUs after the PIN, round 1: ${results[0].sequence.join(' → ')}`, '');
  out.push(`Warm-up round (the browser's first request; not in the table): (a) ${ms(warmUp.waitA)}, (b) ${ms(warmUp.waitB)}, ${warmUp.apdus} APDUs after the PIN.`, '');
  out.push('The first request in a freshly started browser (the warm-up round above and one per `--fresh` launch):', '');
  out.push('| stage | min | median | max | n |', '|---|---:|---:|---:|---:|');
  out.push(row('**(a) page call → window visible**, first request', firsts.map((r) => r.waitA)));
  out.push(row('**(b) PIN submit → page has the proof**, first request', firsts.map((r) => r.waitB)));
  out.push(row('APDUs after the PIN, first request', firsts.map((r) => r.apdus), String), '');
  out.push(`Each mark since the page call, first request (median): ${sinceCall(firsts)}.`, '');
  return out.join('\n');
}

function machine(reports) {
  const model = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) || [])[1] || cpus()[0]?.model || '?';
  const browsers = reports.map((r) => `${r.kind} ${r.version}`).join(', ');
  return `${availableParallelism()} cores (nproc), ${model}; ${browsers}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

const rp = await startRp();
const measured = [];
try {
  for (const kind of kinds) {
    const m = await measure(kind, rp, rounds);
    m.fresh = [m.warmUp];
    for (let i = 0; i < fresh; i++) m.fresh.push((await measure(kind, rp, 0)).warmUp);
    measured.push(m);
  }
} finally {
  await rp.close();
}
const command = `node tests/bench/browser.mjs ${process.argv.slice(2).join(' ')}`.trim();
const md = [
  `## Browser round trip (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${machine(measured)}.`,
  `Command: \`${command}\` (MYNAKEY_HOST=${HOST_BINARY.replace(`${repo}/`, '')}, MYNAKEY_BROWSER_TRANSPORT=${TRANSPORT}); ${rounds} rounds per browser after one warm-up, and ${fresh} more browser launches for the first request; times in ms.`,
  '',
  ...measured.map(report),
].join('\n');
process.stdout.write(md);
const outFile = resolve(opts.out);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, md);
say(`written: ${outFile}`);
if (opts.raw) writeFileSync(resolve(opts.raw), JSON.stringify(measured, null, 1));
