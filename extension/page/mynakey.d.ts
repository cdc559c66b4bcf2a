// Types for mynakey.js, the mynakey page library.

export declare const VERSION: string;

/** Codes from the mynakey host (protocol 1) plus the extension's own. */
export type MynakeyErrorCode =
  // extension and page library
  | 'EXTENSION_UNAVAILABLE' // no content script answered: extension not installed or disabled
  | 'HOST_UNAVAILABLE' // the native host is not installed, cannot start, or speaks another protocol
  | 'INSECURE_CONTEXT' // the page is not a secure context (https, or http://localhost for development)
  | 'REQUEST_PENDING' // this tab already has a request open (other tabs never cause it)
  | 'USER_ACTIVATION_REQUIRED' // authenticate/getSigningCertificate/sign not called right after a click or key press (one call per gesture, within 5 s)
  | 'USER_CANCELLED' // the person pressed Cancel, pressed Esc or closed the window
  | 'TIMEOUT' // the window stayed open too long, or no card arrived in time
  // host
  | 'BAD_REQUEST' | 'UNKNOWN_COMMAND' | 'MESSAGE_TOO_LARGE' | 'ORIGIN_INVALID' | 'CHALLENGE_INVALID'
  | 'PIN_FORMAT' | 'PCSC_UNAVAILABLE' | 'NO_READER' | 'NO_CARD' | 'NOT_JPKI_CARD' | 'MULTIPLE_CARDS'
  | 'CARD_REMOVED' | 'CARD_BUSY' | 'PIN_INCORRECT' | 'PIN_LAST_TRY' | 'PIN_BLOCKED'
  | 'NO_SIGNING_CERTIFICATE' | 'CERTIFICATE_MISMATCH' | 'CARD_ERROR' | 'CANCELLED' | 'INTERNAL'
  | 'UNSUPPORTED_TOKEN'; // only from hosts older than smartphone support: a phone held to the reader

export declare class MynakeyError extends Error {
  readonly name: 'MynakeyError';
  readonly code: MynakeyErrorCode;
  /** The message in Japanese. */
  readonly messageJa: string;
  /** The message in English. */
  readonly messageEn: string;
  /** PIN tries left, where the host reported them. */
  readonly triesLeft?: number;
  /** Extra reason text (e.g. why the host is unavailable); for logs, not for people. */
  readonly reason?: string;
  /** The card's status word, for CARD_ERROR. */
  readonly sw?: string;
  readonly [detail: string]: unknown;
}

export interface Status {
  library: string;
  extension: string;
  host: { version: string; protocol: number };
}

/** The login proof: the Web eID `web-eid:1.0` token shape. Post it to the server unchanged. */
export interface LoginToken {
  format: 'web-eid:1.0';
  /** base64 DER of the user-authentication certificate (no personal data), from the My Number
   *  Card or an Android phone's smartphone certificate: the page is not told which (the window
   *  shows it to the person; docs/protocol.md §7). */
  unverifiedCertificate: string;
  algorithm: 'RS256';
  /** base64 RSASSA-PKCS1-v1_5 SHA-256 over SHA-256(origin) ‖ SHA-256(challenge). */
  signature: string;
  appVersion: string;
}

export type HashAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface SignRequest {
  hashAlgorithm: HashAlgorithm;
  /** 1–100 base64 hashes, each of the algorithm's length. */
  hashes: string[];
  /** base64 DER; when given the card's signing certificate must equal it. After
   *  getSigningCertificate() this is what lets the signature go without a second password. */
  certificate?: string;
  /** Shown to the person, one per hash. */
  documentNames?: string[];
}

export interface SignResult {
  /** base64 DER signing certificate (carries name, address, date of birth and sex). */
  certificate: string;
  /** base64 signatures, in the order of `hashes`. */
  signatures: string[];
  signatureAlgorithm: { cryptoAlgorithm: 'RSA'; hashFunction: HashAlgorithm; paddingScheme: 'PKCS1.5' };
}

export declare function status(): Promise<Status>;
export declare function authenticate(args: { challenge: string }): Promise<LoginToken>;
export declare function getSigningCertificate(): Promise<{ certificate: string }>;
export declare function sign(args: SignRequest): Promise<SignResult>;
