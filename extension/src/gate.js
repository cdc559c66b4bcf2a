// The consent window's input gate: a keystroke or click meant for the page (or the password just
// typed in the previous window) must not press a button here. After the window becomes visible
// or regains focus, every button and Enter is ignored for DELAY_MS, as browsers' own permission
// prompts do. Pure: the caller passes the time, so tests use a fake clock.
export const DELAY_MS = 800;

/** A gate that is closed until arm(t) and then opens DELAY_MS later. */
export function createInputGate(delayMs = DELAY_MS) {
  /** @type {number | null} */
  let armedAt = null;
  return {
    delayMs,
    /** The window became visible or regained focus at time `now` (ms). */
    /** @param {number} now */
    arm(now) {
      armedAt = now;
    },
    /** Whether an input at time `now` may act. Nothing acts before the first arm(). */
    /** @param {number} now */
    allows(now) {
      return armedAt !== null && now - armedAt >= delayMs;
    },
    /** When the gate opens (or null if never armed). */
    opensAt() {
      return armedAt === null ? null : armedAt + delayMs;
    },
  };
}

