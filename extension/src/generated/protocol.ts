// Generated from host/protocol by cargo run -p mynakey-protocol --example generate-ts. Do not edit.
// (Until that generator lands this file is written by hand from host/src/protocol/mod.rs,
// host/src/ops/args.rs and docs/protocol.md, following the shared contract; the generated one replaces it.)

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
} as const;

export type HashAlgorithmName = 'SHA-256' | 'SHA-384' | 'SHA-512';

export type HostCommand = 'version' | 'status' | 'authenticate' | 'getSigningCertificate' | 'sign' | 'cancel' | 'quit';

export interface VersionResult {
  version: string;
  protocol: number;
}

export interface ReaderStatus {
  name: string;
  card: 'absent' | 'jpki' | 'other' | 'busy';
  authPinTriesLeft?: number;
  signPinTriesLeft?: number;
  hasSigningCertificate?: boolean;
  tokenLabel?: string;
}

export interface StatusResult {
  version: string;
  protocol: number;
  pcsc: 'ok' | 'unavailable';
  pcscError?: string;
  transport: 'pcsc' | 'simulator';
  readers: ReaderStatus[];
}

export interface AuthenticateArguments {
  origin: string;
  challenge: string;
  pin: string;
  allowLastTry?: boolean;
  reader?: string;
  timeoutMs?: number;
}

export interface LoginProof {
  format: 'web-eid:1.0';
  unverifiedCertificate: string;
  algorithm: 'RS256';
  signature: string;
  appVersion: string;
}

export interface GetSigningCertificateArguments {
  origin: string;
  pin: string;
  allowLastTry?: boolean;
  hold?: boolean;
  reader?: string;
  timeoutMs?: number;
}

export interface SigningCertificateResult {
  certificate: string;
}

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

export interface SignResult {
  certificate: string;
  signatures: string[];
  signatureAlgorithm: { cryptoAlgorithm: 'RSA'; hashFunction: HashAlgorithmName; paddingScheme: 'PKCS1.5' };
}

export interface CancelArguments {
  target: string | number;
}

export interface CancelResult {
  cancelled: boolean;
}

export interface HostErrorBody {
  code: HostErrorCode;
  message: string;
  triesLeft?: number;
  sw?: string;
  readers?: string[];
  [detail: string]: unknown;
}

export interface ProgressEvent {
  id: string | number;
  event: 'waitingForCard' | 'cardInserted';
}
