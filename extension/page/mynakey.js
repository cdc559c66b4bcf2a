// mynakey page library: log in and sign with the My Number Card from a web page.
//
//   import * as mynakey from './mynakey.js';
//   const token = await mynakey.authenticate({ challenge });       // login proof (web-eid:1.0 shape)
//   const { certificate, signatures } = await mynakey.sign({ hashAlgorithm: 'SHA-256', hashes, documentNames });
//
// An ES module with no dependencies. It talks to the mynakey browser extension through
// window.postMessage (messages `mynakey:request` → `mynakey:ack`, `mynakey:response`); the
// extension asks the person in its own window and the card does the work. The page never sees
// the PIN and cannot choose the origin that a login proof is bound to: the browser supplies it.
//
// Every failure rejects with a MynakeyError: `code` (stable, for programs), `messageJa`,
// `messageEn`, `message` (in the page's language, from <html lang> or the browser) and details
// such as `triesLeft`.

export const VERSION = '0.1.0';

/** How long the extension's content script has to acknowledge a request. */
const ACK_TIMEOUT_MS = 1500;
/** Upper bound for one call, whatever happens (the extension's own limit is 5 minutes). */
const CALL_TIMEOUT_MS = 6 * 60 * 1000;

const MESSAGES = {
  EXTENSION_UNAVAILABLE: ['mynakey 拡張機能が見つかりません。インストールされ、有効になっているか確かめてください。', 'The mynakey browser extension is not installed or not enabled.'],
  HOST_UNAVAILABLE: ['mynakey アプリ（mynakey-host）が見つからないか、起動できません。インストールし直してください。', 'The mynakey app (mynakey-host) is missing or could not start. Reinstall it.'],
  INSECURE_CONTEXT: ['このページは安全な接続（https）ではないため、マイナンバーカードを使えません。', 'This page is not on a secure (https) connection, so the card cannot be used.'],
  REQUEST_PENDING: ['別の要求を処理中です。先に開いている mynakey の画面を完了するか閉じてください。', 'Another request is in progress. Finish or close the open mynakey window first.'],
  USER_ACTIVATION_REQUIRED: ['ボタンを押してから、もう一度お試しください。', 'Press the button again to continue.'],
  USER_CANCELLED: ['キャンセルされました。', 'Cancelled.'],
  TIMEOUT: ['時間内に完了しませんでした。もう一度お試しください。', 'It did not finish in time. Please try again.'],
  BAD_REQUEST: ['要求の形式が正しくありません。', 'The request is malformed.'],
  UNKNOWN_COMMAND: ['mynakey アプリがこの操作に対応していません。更新してください。', 'The mynakey app does not support this operation. Update it.'],
  MESSAGE_TOO_LARGE: ['要求が大きすぎます。', 'The request is too large.'],
  ORIGIN_INVALID: ['このサイトのアドレスでは利用できません。', 'This site’s address cannot be used.'],
  CHALLENGE_INVALID: ['サーバーからのチャレンジが正しくありません。ページを読み込み直してください。', 'The server challenge is invalid. Reload the page.'],
  PIN_FORMAT: ['暗証番号の形式が正しくありません。', 'The PIN has the wrong format.'],
  PCSC_UNAVAILABLE: ['スマートカードのサービス（PC/SC）が利用できません。', 'The smart-card service (PC/SC) is not available.'],
  NO_READER: ['カードリーダーが見つかりません。', 'No card reader was found.'],
  NO_CARD: ['マイナンバーカードが置かれていません。', 'No My Number Card is on the reader.'],
  NOT_JPKI_CARD: ['マイナンバーカードではないカードです。', 'The card is not a My Number Card.'],
  MULTIPLE_CARDS: ['複数のカードが見つかりました。', 'Several cards were found.'],
  CARD_REMOVED: ['カードが取り外されました。', 'The card was removed.'],
  CARD_BUSY: ['カードがほかのアプリで使われています。', 'Another application is using the card.'],
  PIN_INCORRECT: ['暗証番号が違います。', 'The PIN is incorrect.'],
  PIN_LAST_TRY: ['暗証番号の残り回数が1回のため、中止しました。', 'Stopped: only one PIN try is left.'],
  PIN_BLOCKED: ['暗証番号（パスワード）がロックされています。市区町村の窓口、またはスマートフォンの JPKI 利用者ソフトとコンビニのキオスク端末で初期化してください。', 'The PIN (password) is locked. Reset it at your municipal office, or with the JPKI smartphone app and a convenience-store kiosk.'],
  NO_SIGNING_CERTIFICATE: ['このカードには署名用電子証明書がありません。', 'This card has no signing certificate.'],
  UNSUPPORTED_TOKEN: ['スマートフォンの電子証明書にはまだ対応していません。マイナンバーカードをカードリーダーに置いてください。', 'Smartphone certificates are not supported yet. Put your My Number Card on the reader.'],
  CERTIFICATE_MISMATCH: ['カードの証明書が指定されたものと違います。同じカードを使ってください。', 'The card’s certificate differs from the one given. Use the same card.'],
  CARD_ERROR: ['カードとの通信でエラーが発生しました。', 'The card reported an error.'],
  CANCELLED: ['中止されました。', 'The request was stopped.'],
  INTERNAL: ['mynakey の内部エラーです。', 'mynakey internal error.'],
};

function pageLanguageIsJapanese() {
  const lang = (typeof document !== 'undefined' && document.documentElement.lang)
    || (typeof navigator !== 'undefined' && navigator.language) || 'ja';
  return lang.toLowerCase().startsWith('ja');
}

export class MynakeyError extends Error {
  /**
   * @param {string} code
   * @param {Record<string, unknown>} [details]
   */
  constructor(code, details = {}) {
    const [ja, en] = MESSAGES[code] || [`エラー（${code}）`, `Error (${code})`];
    super(pageLanguageIsJapanese() ? ja : en);
    this.name = 'MynakeyError';
    this.code = code;
    this.messageJa = ja;
    this.messageEn = en;
    for (const [k, v] of Object.entries(details)) {
      if (!(k in this)) this[k] = v;
    }
  }
}

let pending = false;

function newId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** Sends one request to the extension; one at a time per page. */
function call(action, args) {
  if (!globalThis.isSecureContext) return Promise.reject(new MynakeyError('INSECURE_CONTEXT'));
  if (pending) return Promise.reject(new MynakeyError('REQUEST_PENDING'));
  pending = true;
  const id = newId();
  return new Promise((resolve, reject) => {
    // The timers are set below, before any message can arrive (postMessage is asynchronous).
    const done = () => {
      pending = false;
      clearTimeout(ackTimer);
      clearTimeout(callTimer);
      window.removeEventListener('message', onMessage);
    };
    function onMessage(ev) {
      if (ev.source !== window || ev.origin !== window.location.origin) return;
      const d = ev.data;
      if (!d || typeof d !== 'object' || d.id !== id) return;
      if (d.type === 'mynakey:ack') {
        clearTimeout(ackTimer);
      } else if (d.type === 'mynakey:response') {
        done();
        if (d.error) {
          const { code, ...details } = d.error;
          reject(new MynakeyError(typeof code === 'string' ? code : 'INTERNAL', details));
        } else {
          resolve(d.result);
        }
      }
    }
    window.addEventListener('message', onMessage);
    const ackTimer = setTimeout(() => { done(); reject(new MynakeyError('EXTENSION_UNAVAILABLE')); }, ACK_TIMEOUT_MS);
    const callTimer = setTimeout(() => { done(); reject(new MynakeyError('TIMEOUT')); }, CALL_TIMEOUT_MS);
    window.postMessage({ type: 'mynakey:request', id, action, args }, window.location.origin);
  });
}

/**
 * Whether mynakey works here: the extension and host versions. Reveals nothing about readers,
 * cards or the person.
 */
export function status() {
  return call('status', {}).then((r) => ({ library: VERSION, ...r }));
}

// authenticate(), getSigningCertificate() and sign() open the extension's window only when called
// right after the person clicked or pressed a key on this page (within 5 s, one call per click),
// else they reject with USER_ACTIVATION_REQUIRED. Call them from a click handler. A sign() that
// follows getSigningCertificate() with its certificate needs no new click.

/**
 * A login proof for this page's origin and the server's challenge (base64 of ≥ 32 random bytes).
 * Resolves with the web-eid:1.0 token to post to the server as it is.
 */
export function authenticate({ challenge } = {}) {
  return call('authenticate', { challenge });
}

/**
 * The signing certificate (base64 DER), for building signed attributes that contain it.
 * The password entered here also covers the following sign() with this certificate, if it comes
 * within about two minutes from this page.
 */
export function getSigningCertificate() {
  return call('getSigningCertificate', {});
}

/**
 * Signs 1–100 hashes with the signing key after the person consents and enters the signing
 * password (not again after getSigningCertificate(), see there).
 */
export function sign({ hashAlgorithm, hashes, certificate, documentNames } = {}) {
  const args = { hashAlgorithm, hashes };
  if (certificate !== undefined) args.certificate = certificate;
  if (documentNames !== undefined) args.documentNames = documentNames;
  return call('sign', args);
}
