// User activation for page requests: a page may ask for a login or a signature only right after
// the person did something on it (a trusted pointerdown or keydown), and only once per such
// gesture, so a page cannot open consent windows in a loop. Pure: the caller passes the time.
export const WINDOW_MS = 5000;
/** Page actions that open a consent window and so need a gesture. */
export const NEEDS_GESTURE = new Set(['authenticate', 'getSigningCertificate', 'sign']);

/** Remembers the latest gesture; take() uses it up. */
export function createActivation(windowMs = WINDOW_MS) {
  /** @type {number | null} */
  let last = null;
  return {
    /** A trusted pointerdown/keydown at time `now` (ms). */
    /** @param {number} now */
    gesture(now) {
      last = now;
    },
    /** True if a gesture happened within windowMs before `now` and was not used yet; uses it. */
    /** @param {number} now */
    take(now) {
      const ok = last !== null && now >= last && now - last <= windowMs;
      last = null;
      return ok;
    },
  };
}

