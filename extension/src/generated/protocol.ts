// Generated from host/protocol by cargo run -p mynakey-protocol --example generate-ts. Do not edit.
// Protocol 1 of the mynakey native messaging host (docs/protocol.md).

export const PROTOCOL_VERSION = 1 as const;

export const HOST_ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'MESSAGE_TOO_LARGE',
  'ORIGIN_INVALID',
  'CHALLENGE_INVALID',
  'PIN_FORMAT',
  'PCSC_UNAVAILABLE',
  'NO_READER',
  'NO_CARD',
  'NOT_JPKI_CARD',
  'MULTIPLE_CARDS',
  'CARD_REMOVED',
  'CARD_BUSY',
  'PIN_INCORRECT',
  'PIN_LAST_TRY',
  'PIN_BLOCKED',
  'NO_SIGNING_CERTIFICATE',
  'UNSUPPORTED_TOKEN',
  'CERTIFICATE_MISMATCH',
  'CARD_ERROR',
  'TIMEOUT',
  'CANCELLED',
  'INTERNAL',
] as const;
export type HostErrorCode = (typeof HOST_ERROR_CODES)[number];

/** Codes after which sending the request again can succeed once something changes (docs/protocol.md §12). */
export const RETRIABLE_ERROR_CODES: readonly HostErrorCode[] = [
  'PIN_FORMAT',
  'PCSC_UNAVAILABLE',
  'NO_READER',
  'NO_CARD',
  'NOT_JPKI_CARD',
  'MULTIPLE_CARDS',
  'CARD_REMOVED',
  'CARD_BUSY',
  'PIN_INCORRECT',
  'PIN_LAST_TRY',
  'UNSUPPORTED_TOKEN',
  'CERTIFICATE_MISMATCH',
  'TIMEOUT',
];

export const LIMITS = {
  maxHashes: 100,
  maxTimeoutMs: 600000,
  maxInboundFrame: 65536,
  maxOutboundFrame: 1048576,
  challengeMinLength: 44,
  challengeMaxLength: 128,
  authPinLength: 4,
  signPinMinLength: 6,
  signPinMaxLength: 16,
  heldSessionSeconds: 120,
  preparedHoldSeconds: 60,
} as const;

/** The PIN formats: what is typed is upper-cased (toUpperCase) when `upperCase`, then must be `minLength` to `maxLength` characters of `alphabet`. */
export const PIN_RULES = {
  auth: { minLength: 4, maxLength: 4, alphabet: '0123456789', upperCase: false },
  sign: { minLength: 6, maxLength: 16, alphabet: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', upperCase: true },
} as const;

export const HOST_COMMANDS = [
  'version',
  'status',
  'authenticate',
  'getSigningCertificate',
  'sign',
  'cancel',
  'quit',
  'prepare',
] as const;
export type HostCommand = (typeof HOST_COMMANDS)[number];

export type HashAlgorithmName = 'SHA-256' | 'SHA-384' | 'SHA-512';
export type ProgressEventName = 'waitingForCard' | 'cardInserted';
export type CardState = 'absent' | 'jpki' | 'other' | 'busy';
export type PrepareActionName = 'authenticate' | 'sign';
export type PcscState = 'ok' | 'unavailable';
export type TokenKind = 'card' | 'android';
/** A request's `id`: what the caller sent. */
export type RequestId = string | number;

/** Result of `version`; `commands` lists what the host serves (absent before `prepare`). */
export interface VersionResult {
  version: string;
  protocol: number;
  commands?: string[];
}

/** One reader in the result of `status`. */
export interface ReaderStatus {
  name: string;
  card: CardState;
  tokenLabel?: string;
  tokenKind?: TokenKind;
  authPinTriesLeft?: number;
  signPinTriesLeft?: number;
  hasSigningCertificate?: boolean;
}

/** Result of `status`. */
export interface StatusResult {
  version: string;
  protocol: number;
  pcsc: PcscState;
  pcscError?: string;
  transport: 'pcsc' | 'simulator';
  readers: ReaderStatus[];
}

/** Arguments of `authenticate`. */
export interface AuthenticateArguments {
  origin: string;
  challenge: string;
  pin: string;
  allowLastTry?: boolean;
  reader?: string;
  timeoutMs?: number;
}

/** Result of `authenticate`: the `web-eid:1.0` login proof. */
export interface LoginProof {
  format: 'web-eid:1.0';
  unverifiedCertificate: string;
  algorithm: 'RS256';
  signature: string;
  appVersion: string;
}

/** Arguments of `getSigningCertificate`. */
export interface GetSigningCertificateArguments {
  origin: string;
  pin: string;
  allowLastTry?: boolean;
  hold?: boolean;
  reader?: string;
  timeoutMs?: number;
}

/** Result of `getSigningCertificate`: the signing certificate, base64 DER. */
export interface SigningCertificateResult {
  certificate: string;
}

/** Arguments of `sign` (`pin` omitted only inside a held session). */
export interface SignArguments {
  origin: string;
  pin?: string;
  allowLastTry?: boolean;
  hashAlgorithm: HashAlgorithmName;
  hashes: string[];
  certificate?: string;
  reader?: string;
  timeoutMs?: number;
}

/** How `sign` signed. */
export interface SignatureAlgorithm {
  cryptoAlgorithm: 'RSA';
  hashFunction: HashAlgorithmName;
  paddingScheme: 'PKCS1.5';
}

/** Result of `sign`: one signature per hash, in order. */
export interface SignResult {
  certificate: string;
  signatures: string[];
  signatureAlgorithm: SignatureAlgorithm;
}

/** Arguments of `cancel`: the id of the request to end. */
export interface CancelArguments {
  target: RequestId;
}

/** Result of `cancel`. */
export interface CancelResult {
  cancelled: boolean;
}

/** Result of `quit` (an empty object). */
export type QuitResult = Record<string, never>;

/** Arguments of `prepare` (only when `version` lists it). */
export interface PrepareArguments {
  action: PrepareActionName;
  reader?: string;
}

/** The card `prepare` holds for the request that follows. */
export interface Prepared {
  reader: string;
  action: PrepareActionName;
  holdMs: number;
}

/** Result of `prepare`: the readers as `status` shows them, and the card now held. */
export interface PrepareResult {
  pcsc: PcscState;
  pcscError?: string;
  readers: ReaderStatus[];
  prepared?: Prepared;
}

/** The `error` of a failed request. */
export interface HostErrorBody {
  code: HostErrorCode;
  message: string;
  triesLeft?: number;
  sw?: string;
  readers?: string[];
  [detail: string]: unknown;
}

/** Progress of a running request, sent before its result. */
export interface ProgressEvent {
  id: RequestId;
  event: ProgressEventName;
}
