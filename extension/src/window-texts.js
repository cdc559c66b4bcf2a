// Which window text explains each host error. Exhaustive over the protocol's codes, so a code
// added on the Rust side does not type-check until the window can say something about it; the
// keys are checked against the Japanese messages by tsc and against both locales by the tests.
/** @import { HostErrorCode } from './generated/protocol.js' */
/** @typedef {keyof typeof import('./_locales/ja/messages.json')} MessageKey */

/** @type {Record<HostErrorCode, MessageKey>} */
export const WINDOW_TEXT = {
  BAD_REQUEST: 'errorGeneric',
  UNKNOWN_COMMAND: 'errorGeneric',
  MESSAGE_TOO_LARGE: 'errorGeneric',
  ORIGIN_INVALID: 'errorGeneric',
  CHALLENGE_INVALID: 'errorGeneric',
  PIN_FORMAT: 'pinFormatAuth', // pinFormatSign for the signing password
  PCSC_UNAVAILABLE: 'pcscUnavailable',
  NO_READER: 'noReader',
  NO_CARD: 'cardWaiting',
  NOT_JPKI_CARD: 'notJpki',
  MULTIPLE_CARDS: 'multipleCards',
  CARD_REMOVED: 'cardRemoved',
  CARD_BUSY: 'cardBusy', // cardBusyRequest when another tab's request has the card
  PIN_INCORRECT: 'pinIncorrectAuth', // pinIncorrectSign for the signing password
  PIN_LAST_TRY: 'lastTryWarning',
  PIN_BLOCKED: 'blockedTitle',
  NO_SIGNING_CERTIFICATE: 'noSigningCertificate',
  UNSUPPORTED_TOKEN: 'unsupportedToken',
  CERTIFICATE_MISMATCH: 'certificateMismatch',
  CARD_ERROR: 'errorGeneric',
  TIMEOUT: 'cardTimeout',
  CANCELLED: 'errorGeneric',
  INTERNAL: 'errorGeneric',
};
