// Checks the background makes about a page request before any window opens. Pure functions, no
// browser API, so node's test runner checks them directly (extension/test/).
import { PIN_RULES } from './generated/protocol.js';
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

/**
 * What the card receives for what a person typed as a `kind` PIN: the rule's upper-casing (the
 * signing password), nothing else. The window shows it as the person types.
 * @param {'auth' | 'sign'} kind
 * @param {string} typed
 */
export function normalisePin(kind, typed) {
  return PIN_RULES[kind].upperCase ? typed.toUpperCase() : typed;
}

/**
 * Whether `typed` has the form the card takes for `kind` once normalised (`PIN_RULES`, owned by
 * the host's pin_rules); a PIN of another form never leaves the extension, so it never costs a
 * try. No PIN is asked (null) inside a held session.
 * @param {'auth' | 'sign' | null} kind
 * @param {string} typed
 */
export function pinWellFormed(kind, typed) {
  if (!kind) return true;
  const rule = PIN_RULES[kind];
  const chars = Array.from(normalisePin(kind, typed));
  return chars.length >= rule.minLength && chars.length <= rule.maxLength
    && chars.every((c) => rule.alphabet.includes(c));
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

