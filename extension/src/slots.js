// Bookkeeping that keeps tabs apart and status() cheap. Pure: no browser API, the clock is passed
// in, so node's test runner checks it directly (extension/test/).

/**
 * One request slot per tab. A tab's slot says nothing about other tabs: a page learns only
 * about its own requests.
 * @template T
 */
export function createSlots() {
  /** @type {Map<number, T>} */
  const byTab = new Map();
  return {
    /** Takes the tab's slot for `owner`; false if the tab already has a request. @param {number} tabId @param {T} owner */
    claim(tabId, owner) {
      if (byTab.has(tabId)) return false;
      byTab.set(tabId, owner);
      return true;
    },
    /** Frees the tab's slot if `owner` holds it. @param {number} tabId @param {T} owner */
    release(tabId, owner) {
      if (byTab.get(tabId) === owner) byTab.delete(tabId);
    },
    /** @param {number} tabId */
    holder(tabId) {
      return byTab.get(tabId) ?? null;
    },
    /** The owners of the other tabs' slots. @param {number} tabId */
    others(tabId) {
      return [...byTab].filter(([t]) => t !== tabId).map(([, owner]) => owner);
    },
  };
}

export const STATUS_CACHE_MS = 10000;

/**
 * status() answers: at most one host process per tab at a time (callers from the same tab share
 * the running one), and a successful answer is reused for cacheMs. `now` is the clock (ms).
 * @template T
 * @param {{ now: () => number; cacheMs?: number }} options
 */
export function createStatusLimiter({ now, cacheMs = STATUS_CACHE_MS }) {
  /** @type {{ value: T; at: number } | null} */
  let cached = null;
  /** @type {Map<number, Promise<T>>} */
  const running = new Map();
  return {
    /** @param {number} tabId @param {() => Promise<T>} fetchStatus @returns {Promise<T>} */
    run(tabId, fetchStatus) {
      if (cached && now() - cached.at < cacheMs) return Promise.resolve(cached.value);
      let p = running.get(tabId);
      if (!p) {
        const started = Promise.resolve()
          .then(fetchStatus)
          .then((value) => {
            cached = { value, at: now() };
            return value;
          })
          .finally(() => {
            if (running.get(tabId) === started) running.delete(tabId);
          });
        running.set(tabId, started);
        p = started;
      }
      return p;
    },
  };
}
