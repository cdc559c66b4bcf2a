// Bookkeeping that keeps tabs apart and status() cheap. Pure: no browser API, the clock is passed
// in, so node's test runner checks it directly (extension/test/).
'use strict';
(function (root) {
  /**
   * One request slot per tab. A tab's slot says nothing about other tabs: a page learns only
   * about its own requests.
   */
  function createSlots() {
    const byTab = new Map();
    return {
      /** Takes the tab's slot for `owner`; false if the tab already has a request. */
      claim(tabId, owner) {
        if (byTab.has(tabId)) return false;
        byTab.set(tabId, owner);
        return true;
      },
      /** Frees the tab's slot if `owner` holds it. */
      release(tabId, owner) {
        if (byTab.get(tabId) === owner) byTab.delete(tabId);
      },
      holder(tabId) {
        return byTab.get(tabId) ?? null;
      },
      /** The owners of the other tabs' slots. */
      others(tabId) {
        return [...byTab].filter(([t]) => t !== tabId).map(([, owner]) => owner);
      },
    };
  }

  const STATUS_CACHE_MS = 10000;

  /**
   * status() answers: at most one host process per tab at a time (callers from the same tab share
   * the running one), and a successful answer is reused for cacheMs. `now` is the clock (ms).
   */
  function createStatusLimiter({ now, cacheMs = STATUS_CACHE_MS }) {
    let cached = null; // {value, at}
    const running = new Map(); // tabId -> Promise
    return {
      run(tabId, fetchStatus) {
        if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.value);
        let p = running.get(tabId);
        if (!p) {
          p = Promise.resolve()
            .then(fetchStatus)
            .then((value) => {
              cached = { value, at: now() };
              return value;
            })
            .finally(() => {
              if (running.get(tabId) === p) running.delete(tabId);
            });
          running.set(tabId, p);
        }
        return p;
      },
    };
  }

  const exported = { STATUS_CACHE_MS, createSlots, createStatusLimiter };
  if (typeof module === 'object' && module.exports) module.exports = exported;
  else root.mynakeySlots = exported;
})(globalThis);
