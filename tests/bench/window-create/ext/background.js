// Times windows.create (and, as a measurement only, tabs.create) for paired variants,
// interleaved round by round so the machine's load hits them alike. Started by run.mjs, which
// writes config.js (globalThis.BENCH = {port, rounds, settleMs}) and receives the results over
// http://127.0.0.1:port/result. Every time is epoch ms (performance.timeOrigin + now), as in the
// project's own marks, so the pages' marks line up with the call.
'use strict';
/* global BENCH */
if (typeof importScripts === 'function') importScripts('config.js');

const api = globalThis.browser ?? globalThis.chrome;
const epoch = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SIZE = { width: 480, height: 720 };

/** id → how to open it. page: 'consent' (the project's real page), 'empty', 'blank' (about:blank) or none. */
const VARIANTS = {
  'product': { type: 'popup', page: 'consent', ...SIZE, focused: true },
  'popup': { type: 'popup', page: 'empty', ...SIZE, focused: true },
  'normal': { type: 'normal', page: 'empty', ...SIZE, focused: true },
  'panel': { type: 'panel', page: 'empty', ...SIZE, focused: true },
  'detached_panel': { type: 'detached_panel', page: 'empty', ...SIZE, focused: true },
  'popup-blank': { type: 'popup', page: 'blank', ...SIZE, focused: true },
  'popup-nourl': { type: 'popup', ...SIZE, focused: true },
  'popup-nosize': { type: 'popup', page: 'empty', focused: true },
  'popup-lefttop': { type: 'popup', page: 'empty', ...SIZE, left: 100, top: 100, focused: true },
  'popup-unfocused': { type: 'popup', page: 'empty', ...SIZE, focused: false },
  'popup-second': { type: 'popup', page: 'empty', ...SIZE, focused: true, second: true },
  'popup-adopt': { type: 'popup', ...SIZE, focused: true, adopt: true },
  'tab': { tab: true, page: 'empty' },
};

/** When windows.onCreated reached this script, by window id (Firefox fires it on domwindowopened). */
const createdAt = new Map();
api.windows.onCreated.addListener((w) => createdAt.set(w.id, epoch()));

/** Marks a page sends (empty.js) or its connection (the real consent.js), by run id. */
const pageMarks = new Map();
const waiting = new Map();
function pageSaid(run, marks) {
  pageMarks.set(run, marks);
  waiting.get(run)?.();
}
api.runtime.onMessage.addListener((m) => {
  if (m && m.kind === 'page') pageSaid(m.run, { timeOrigin: m.timeOrigin, scriptAt: m.scriptAt, paintAt: m.paintAt });
});
// The real consent page connects and says hello first thing in its script: that is its mark.
api.runtime.onConnect.addListener((port) => {
  port.onMessage.addListener((m) => {
    if (m && m.type === 'hello') pageSaid(m.flow, { scriptAt: epoch() });
  });
});
function pageMarksOf(run, ms) {
  if (pageMarks.has(run)) return Promise.resolve(pageMarks.get(run));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    waiting.set(run, () => { clearTimeout(timer); resolve(pageMarks.get(run)); });
  });
}

function urlOf(page, run) {
  if (page === 'consent') return api.runtime.getURL(`consent.html?flow=${run}`);
  if (page === 'empty') return api.runtime.getURL(`empty.html?run=${run}`);
  if (page === 'blank') return 'about:blank';
  return undefined;
}

/** One timed call of variant `id`; returns its marks (or the error the browser gave). */
async function once(id, run) {
  const { page, second, tab, adopt, ...data } = VARIANTS[id];
  const url = urlOf(page, run);
  if (url) data.url = url;
  let holder;
  if (second) {
    holder = await api.windows.create({ type: 'popup', url: urlOf('empty', `${run}-first`), ...SIZE, focused: true });
    await pageMarksOf(`${run}-first`, 5000);
    await sleep(BENCH.settleMs);
  }
  if (adopt) {
    // The empty page already loaded in a background tab of the current window, then moved into
    // the new window: what a window costs without its page load.
    const preloaded = await api.tabs.create({ url: urlOf('empty', `${run}-tab`), active: false });
    await pageMarksOf(`${run}-tab`, 5000);
    await sleep(BENCH.settleMs);
    data.tabId = preloaded.id;
  }
  const result = { id, run };
  const marks = page && page !== 'blank' ? pageMarksOf(run, 5000) : null;
  result.calledAt = epoch();
  let made;
  try {
    made = tab ? await api.tabs.create({ url, active: true }) : await api.windows.create(data);
    result.resolvedAt = epoch();
    await sleep(0);
    if (!tab && createdAt.has(made.id)) result.onCreatedAt = createdAt.get(made.id);
  } catch (e) {
    result.error = String(e && e.message);
  }
  if (made && marks) Object.assign(result, await marks);
  if (made) await (tab ? api.tabs.remove(made.id) : api.windows.remove(made.id)).catch(() => {});
  if (holder) await api.windows.remove(holder.id).catch(() => {});
  return result;
}

/** A different order each round (seeded, so runs repeat): no variant always follows the same one. */
function shuffled(list, seed) {
  const out = [...list];
  let x = seed * 2654435761 >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function main() {
  await sleep(1500);
  const ids = Object.keys(VARIANTS);
  const rejected = new Set();
  const results = [];
  // Not counted: the browser's first window of each kind pays one-time costs (styles, modules).
  for (const id of ['product', 'popup', 'normal']) await once(id, `${id}-warmup`).then(() => sleep(BENCH.settleMs));
  for (let round = 0; round < BENCH.rounds; round++) {
    const order = shuffled(ids, round + 1);
    for (const id of order) {
      if (rejected.has(id)) continue;
      const r = await once(id, `${id}-${round}`);
      if (r.error) rejected.add(id);
      results.push(r);
      await sleep(BENCH.settleMs);
    }
  }
  await fetch(`http://127.0.0.1:${BENCH.port}/result`, {
    method: 'POST', body: JSON.stringify({ userAgent: navigator.userAgent, results }),
  });
}
main().catch((e) => fetch(`http://127.0.0.1:${BENCH.port}/result`, { method: 'POST', body: JSON.stringify({ fatal: String(e && e.stack) }) }));
