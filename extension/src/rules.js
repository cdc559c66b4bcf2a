// Checks the background makes about a page request before any window opens. Pure functions, no
// browser API, so node's test runner checks them directly (extension/test/).
import { LIMITS } from './generated/protocol.js';
/**
 * The origin a page request came from, as the browser reports it on the port, or null when the
 * request must be refused: not a top-level frame, an opaque ("null") origin such as a sandboxed
 * page, or not https (http only for localhost). Never derived from sender.url: for a sandboxed
 * page the URL names a site whose rights the page does not have.
 */
/**
 * @param {import('./browser-api.js').MessageSender | undefined} sender
 * @returns {string | null}
 */
export function senderOrigin(sender) {
  if (!sender || !sender.tab || (sender.frameId !== undefined && sender.frameId !== 0)) return null;
  const origin = sender.origin;
  if (typeof origin !== 'string' || origin === 'null') return null;
  let u;
  try { u = new URL(origin); } catch { return null; }
  if (u.origin !== origin) return null; // a path, user info or other extra is not an origin
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1';
  if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) return origin;
  return null;
}

/** The user-authentication PIN: exactly four digits. */
export const AUTH_PIN = new RegExp(`^[0-9]{${LIMITS.authPinLength}}$`);
/** The signing password: 6–16 letters and digits (the card compares it upper-cased). */
export const SIGN_PIN = new RegExp(`^[A-Za-z0-9]{${LIMITS.signPinMinLength},${LIMITS.signPinMaxLength}}$`);

/**
 * Whether `pin` has the form the card takes for `kind`; a PIN of another form never leaves the
 * extension, so it never costs a try. No PIN is asked (null) inside a held session.
 * @param {'auth' | 'sign' | null} kind
 * @param {string} pin
 */
export function pinWellFormed(kind, pin) {
  if (kind === 'auth') return AUTH_PIN.test(pin);
  if (kind === 'sign') return SIGN_PIN.test(pin);
  return true;
}

export const NAME_MAX = 80; // code points shown per document name
// Controls (C0, C1), format characters (bidi embeddings, overrides and isolates, LRM/RLM,
// zero-width characters), line/paragraph separators and lone surrogates: all can make a name
// read differently from what it is.
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** A document name as the window may show it: no hidden characters, at most NAME_MAX long. */
/** @param {string} name */
export function cleanDocumentName(name) {
  const text = String(name).replace(HIDDEN, ' ').replace(/\s+/gu, ' ').trim();
  const chars = Array.from(text);
  return chars.length > NAME_MAX ? chars.slice(0, NAME_MAX - 1).join('') + '…' : text;
}

/**
 * Whether a request needs a fresh user gesture on the page. A sign that continues a held
 * session does not: the password was just typed for it.
 */
/** @param {string} action @param {boolean} continuesHeldSession */
export function needsGesture(action, continuesHeldSession) {
  if (action === 'sign') return !continuesHeldSession;
  return action === 'authenticate' || action === 'getSigningCertificate';
}

