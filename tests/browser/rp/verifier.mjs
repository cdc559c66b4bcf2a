// The verifier: `mynakey-rp verify … --json`, exit 0 = valid.
//
// Everything the page sends is data for the verifier, never anything else: each value must be
// strict, canonical base64 of bounded length before it goes near the command line (the
// verifier's caps are certificate 16 KiB, token 64 KiB). The verifier's stderr is for the
// operator's log only: the browser gets a generic code.
import { execFile } from 'node:child_process';

export const LIMITS = Object.freeze({
  certificateBytes: 16 * 1024, // the verifier's --certificate cap
  signatureBytes: 1024, // RSA-2048 signatures are 256 bytes; 8192-bit keys would be 1024
  tokenChars: 10_000, // the verifier refuses longer tokens (TOKEN_SIZE)
});

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `value` is non-empty standard base64 (padded, canonical) of at most `maxBytes` bytes. */
export function isStrictBase64(value, maxBytes) {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (value.length > Math.ceil(maxBytes / 3) * 4 || !BASE64.test(value)) return false;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length <= maxBytes && bytes.toString('base64') === value;
}

/** `mynakey-rp verify ARGS --trust DIR --json` with `stdin`: the verdict, `valid` only on exit 0. */
export function runVerifier(config, args, stdin) {
  return new Promise((resolveRun) => {
    const trust = config.trustDir ? ['--trust', config.trustDir] : [];
    const child = execFile(config.rpBinary, ['verify', ...args, ...trust, '--json'],
      { timeout: 15000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        let verdict;
        try {
          verdict = JSON.parse(stdout);
        } catch {
          // Usage or setup errors (exit 2): log the details here, never send them to the browser.
          config.log(`relying party: the verifier failed: ${String(stderr || err).slice(0, 4000)}`);
          verdict = { valid: false, error: { code: 'VERIFIER_FAILED', message: 'the value could not be verified' } };
        }
        verdict.valid = verdict.valid === true && !err; // exit status 0 is what counts
        resolveRun(verdict);
      });
    child.stdin.on('error', () => {}); // the signature check reads no stdin and may exit first (EPIPE)
    child.stdin.end(stdin ?? '');
  });
}
