// Globals the extension's scripts share across files: the bundled service (background.js loads
// it), and the test build's input-gate record and timeline (test-hooks.js) the browser tests and
// benchmark read; the store build has neither.
import type { BrowserApi, PagesApi } from './browser-api.js';

declare global {
  var mynakeyService: { startBackground(api: BrowserApi): unknown };
  var browser: (BrowserApi & PagesApi) | undefined;
  var chrome: BrowserApi & PagesApi;
  var mynakeyGateLog: { delayMs: number; armed: { why: string; at: number }[]; ignored: { input: string; at: number }[] };
  /** The consent window's steps in epoch ms (consent.js), with the background's in `flow`. */
  var mynakeyTimeline: {
    flow: Record<string, number>;
    script: number;
    init: number | null;
    rendered: number | null;
    painted: number | null;
    submitted: number | null;
  };
}
