// What a page may ask, checked before any window opens (the host checks again).
import { LIMITS } from './generated/protocol.js';
import { FlowError } from './errors.js';
import { cleanDocumentName } from './rules.js';
/** @import { HashAlgorithmName } from './generated/protocol.js' */

/** @type {Record<HashAlgorithmName, number>} */
const HASH_LENGTHS = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * @typedef {{ action: 'status' }
 *   | { action: 'authenticate'; challenge: string }
 *   | { action: 'getSigningCertificate' }
 *   | { action: 'sign'; hashAlgorithm: HashAlgorithmName; hashes: string[]; certificate?: string; documentNames: string[] | null }
 * } PageRequestArgs a request that passed the checks
 */

/**
 * @param {unknown} action
 * @param {unknown} args
 * @returns {PageRequestArgs}
 */
export function validatePageRequest(action, args) {
  const a = /** @type {Record<string, unknown>} */ (args && typeof args === 'object' ? args : {});
  switch (action) {
    case 'status':
      return { action };
    case 'getSigningCertificate':
      return { action };
    case 'authenticate': {
      const c = a.challenge;
      if (typeof c !== 'string' || c.length < LIMITS.challengeMinLength || c.length > LIMITS.challengeMaxLength || !B64.test(c)) {
        throw new FlowError('CHALLENGE_INVALID');
      }
      return { action, challenge: c };
    }
    case 'sign':
      return validateSign(a);
    default:
      throw new FlowError('BAD_REQUEST', { reason: 'action' });
  }
}

/**
 * @param {Record<string, unknown>} a
 * @returns {PageRequestArgs}
 */
function validateSign(a) {
  const algorithm = a.hashAlgorithm;
  if (typeof algorithm !== 'string' || !Object.hasOwn(HASH_LENGTHS, algorithm)) {
    throw new FlowError('BAD_REQUEST', { reason: 'hashAlgorithm' });
  }
  const hashAlgorithm = /** @type {HashAlgorithmName} */ (algorithm);
  const hashes = a.hashes;
  if (!Array.isArray(hashes) || hashes.length < 1 || hashes.length > LIMITS.maxHashes) {
    throw new FlowError('BAD_REQUEST', { reason: 'hashes' });
  }
  for (const h of hashes) {
    if (typeof h !== 'string' || !B64.test(h) || b64Length(h) !== HASH_LENGTHS[hashAlgorithm]) {
      throw new FlowError('BAD_REQUEST', { reason: 'hashes' });
    }
  }
  let names = a.documentNames;
  if (names === undefined && typeof a.documentName === 'string') names = [a.documentName];
  if (names !== undefined && (!Array.isArray(names) || names.length !== hashes.length || names.some((n) => typeof n !== 'string'))) {
    throw new FlowError('BAD_REQUEST', { reason: 'documentNames' });
  }
  /** @type {PageRequestArgs} */
  const out = {
    action: 'sign',
    hashAlgorithm,
    hashes: [.../** @type {string[]} */ (hashes)],
    // Names are only shown to the person: no hidden characters, and short, so a page can
    // neither disguise nor flood them (rules.js).
    documentNames: Array.isArray(names) ? names.map(cleanDocumentName) : null,
  };
  if (a.certificate !== undefined) {
    if (typeof a.certificate !== 'string' || !B64.test(a.certificate)) {
      throw new FlowError('BAD_REQUEST', { reason: 'certificate' });
    }
    out.certificate = a.certificate;
  }
  return out;
}

/** @param {string} s */
function b64Length(s) {
  try { return atob(s).length; } catch { return -1; }
}
