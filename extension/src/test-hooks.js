// The test build's hooks (see hooks.js, whose place this module takes in `node build.mjs --test`):
// the window keeps its steps in globalThis.mynakeyTimeline, with the background flow's steps
// carried in `init`, and its input gate's record in globalThis.mynakeyGateLog. The browser tests
// and tests/bench/browser.mjs read them: times on the clock pages and workers share, no PIN, no
// card data. Never in the store artifacts (tests/browser/artifacts.test.mjs looks).
/** @import { FlowWatch, WindowWatch } from './hooks.js' */

/** Epoch ms now, on the clock the background, the window and pages share. */
const epoch = () => performance.timeOrigin + performance.now();

/** @param {number} gateDelayMs @returns {WindowWatch} */
export function watchWindow(gateDelayMs) {
  /** @type {typeof globalThis.mynakeyTimeline} */
  const timeline = { flow: {}, script: epoch(), init: null, rendered: null, painted: null, submitted: null };
  globalThis.mynakeyTimeline = timeline;
  /** @type {typeof globalThis.mynakeyGateLog} */
  const gateLog = { delayMs: gateDelayMs, armed: [], ignored: [] };
  globalThis.mynakeyGateLog = gateLog;
  return {
    armed: (why, at) => { gateLog.armed.push({ why, at }); },
    ignored: (input, at) => { gateLog.ignored.push({ input, at }); },
    init: (m) => {
      timeline.init = epoch();
      timeline.flow = m.timeline ?? {};
    },
    rendered: () => {
      timeline.rendered = epoch();
      // The first frame after render(): rAF runs before that frame is painted, so the task it
      // queues runs once it is. Hidden or headless windows may never run rAF: then this stays null.
      requestAnimationFrame(() => setTimeout(() => { timeline.painted ??= epoch(); }, 0));
    },
    submitted: () => { timeline.submitted = epoch(); },
  };
}

/** @returns {FlowWatch} */
export function watchFlow() {
  /** @type {Record<string, number>} when each step happened (epoch ms) */
  const timeline = {};
  return {
    step: (name) => { timeline[name] = epoch(); },
    firstStep: (name) => { timeline[name] ??= epoch(); },
    forWindow: () => ({ timeline }),
  };
}
