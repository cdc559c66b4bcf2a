// Error codes a page can receive: the host's (generated from the protocol crate) and the few the
// extension and page library add. The page library's types and both window locales are checked
// against these lists (test/codes.test.js), so a code added on the Rust side fails the build
// until the extension handles it.
/** @import { HostErrorCode } from './generated/protocol.js' */

/** Codes that only the extension or the page library produce. */
export const EXTENSION_ERROR_CODES = /** @type {const} */ ([
  'EXTENSION_UNAVAILABLE',
  'HOST_UNAVAILABLE',
  'INSECURE_CONTEXT',
  'REQUEST_PENDING',
  'USER_ACTIVATION_REQUIRED',
  'USER_CANCELLED',
]);

/** @typedef {(typeof EXTENSION_ERROR_CODES)[number]} ExtensionErrorCode */
/** @typedef {HostErrorCode | ExtensionErrorCode} PageErrorCode */

/** A failure that ends in a page answer `{error: {code, ...details}}`. */
export class FlowError extends Error {
  /**
   * @param {PageErrorCode} code
   * @param {Record<string, unknown>} [details]
   */
  constructor(code, details = {}) {
    super(code);
    /** @type {PageErrorCode} */
    this.code = code;
    this.details = details;
  }
}

/**
 * The page's answer for a failure. Anything that is not a FlowError is a bug: INTERNAL.
 * @param {unknown} error
 * @returns {{ error: { code: string; [detail: string]: unknown } }}
 */
export function errorAnswer(error) {
  if (error instanceof FlowError) return { error: { code: error.code, ...error.details } };
  return { error: { code: 'INTERNAL', reason: String(error) } };
}
