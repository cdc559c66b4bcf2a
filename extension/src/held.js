// Held signing sessions (certificate first): after getSigningCertificate the host keeps the card
// verified on that very native port, so the port is kept here, per tab, until the following
// sign from the same tab and origin with the same certificate, or until holdMs passes, the tab
// closes, another request from the tab starts, or the host exits.
import { LIMITS } from './generated/protocol.js';
/** @import { Clock } from './browser-api.js' */
/** @import { HostPort } from './host-port.js' */

/** The host holds a verified session ≤ heldSessionSeconds; we give up a little earlier. */
export const HOLD_MS = LIMITS.heldSessionSeconds * 1000 - 5000;

/** @typedef {{ host: HostPort; origin: string; certificate: string; timer: unknown }} HeldSession */

/**
 * @param {Clock} clock
 * @param {number} [holdMs]
 */
export function createHeldSessions(clock, holdMs = HOLD_MS) {
  /** @type {Map<number, HeldSession>} */
  const byTab = new Map();

  /** Ends the tab's session, if any: closes its port, so the host forgets the verified card. */
  const drop = (/** @type {number} */ tabId) => {
    const s = byTab.get(tabId);
    if (!s) return;
    byTab.delete(tabId);
    clock.clearTimeout(s.timer);
    s.host.close();
  };

  /** Whether a sign with this certificate would continue the tab's session. */
  const continues = (/** @type {number} */ tabId, /** @type {string} */ origin, /** @type {string | undefined} */ certificate) => {
    const s = byTab.get(tabId);
    return s !== undefined && s.origin === origin && s.certificate === certificate && !s.host.closed;
  };

  return {
    drop,
    continues,
    /**
     * Keeps `host` for the tab's next sign (ending any older session of the tab).
     * @param {number} tabId @param {HostPort} host @param {string} origin @param {string} certificate
     */
    keep(tabId, host, origin, certificate) {
      drop(tabId);
      host.onExit = () => { if (byTab.get(tabId)?.host === host) drop(tabId); };
      byTab.set(tabId, { host, origin, certificate, timer: clock.setTimeout(() => drop(tabId), holdMs) });
    },
    /**
     * The session's port, handed over to a sign that continues it, or null.
     * @param {number} tabId @param {string} origin @param {string | undefined} certificate
     * @returns {HostPort | null}
     */
    take(tabId, origin, certificate) {
      if (!continues(tabId, origin, certificate)) return null;
      const s = /** @type {HeldSession} */ (byTab.get(tabId));
      byTab.delete(tabId);
      clock.clearTimeout(s.timer);
      s.host.onExit = null;
      return s.host;
    },
    /** Whether a tab other than `tabId` holds a verified card. */
    heldByOtherTab(/** @type {number} */ tabId) {
      return [...byTab.keys()].some((t) => t !== tabId);
    },
  };
}

/** @typedef {ReturnType<typeof createHeldSessions>} HeldSessions */
