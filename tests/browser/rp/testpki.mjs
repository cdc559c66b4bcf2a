// The test PKI (tests/fixtures/pki) for the example relying party: its roots in directories of
// their own, and CRLs its roots issue on demand.
// TEST ONLY: a real service passes no --trust and so trusts the J-LIS roots built into the
// verifier, trusts its own TSA's root, and downloads the current CRLs of J-LIS and of its TSA.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pki = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/pki');

/** A directory removed when this process exits. */
function scratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The JPKI roots (auth and sign) for `mynakey-rp verify --trust DIR`, which takes every certificate in DIR as a root. */
export function testTrustDir() {
  const dir = scratch('mynakey-trust-');
  for (const f of readdirSync(pki)) {
    if (/^(auth|sign)-root-\d+\.der$/.test(f)) copyFileSync(join(pki, f), join(dir, f));
  }
  return dir;
}

/** The test TSA's root (tsa-root.der), for `--tsa-trust DIR`. */
export function testTsaTrustDir() {
  const dir = scratch('mynakey-tsa-trust-');
  copyFileSync(join(pki, 'tsa-root.der'), join(dir, 'tsa-root.der'));
  return dir;
}

let crlDir;
/**
 * CRLs (DER) that the test sign root (sign-root-2, the simulated card's issuer) and the test TSA
 * root issue now, revoking nothing, made with their published keys by `openssl ca -gencrl`: what
 * a relying party would download fresh from J-LIS and its TSA. A long-term PDF needs CRLs issued
 * after its signature's timestamp (fixtures/pki/sign.crl is older). Returns their paths.
 */
export function testCrls() {
  crlDir ??= scratch('mynakey-crls-');
  const dir = mkdtempSync(join(crlDir, 'now-'));
  // crlNumber grows with time, as a CA's does.
  const number = Math.floor(Date.now() / 1000).toString(16);
  return ['sign-root-2', 'tsa-root'].map((root) => {
    const ca = join(dir, root);
    mkdirSync(ca);
    writeFileSync(join(ca, 'index.txt'), '');
    writeFileSync(join(ca, 'crlnumber'), `${number}\n`);
    writeFileSync(join(ca, 'ca.cnf'), ['[ca]', 'default_ca = c', '[c]', `database = ${join(ca, 'index.txt')}`,
      `crlnumber = ${join(ca, 'crlnumber')}`, 'default_md = sha256', 'crl_extensions = e', '[e]',
      'authorityKeyIdentifier = keyid:always', ''].join('\n'));
    const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    openssl('x509', '-inform', 'DER', '-in', join(pki, `${root}.der`), '-out', join(ca, 'cert.pem'));
    openssl('ca', '-gencrl', '-config', join(ca, 'ca.cnf'), '-keyform', 'DER', '-keyfile', join(pki, `${root}.key.der`),
      '-cert', join(ca, 'cert.pem'), '-crldays', '30', '-out', join(ca, 'crl.pem'));
    openssl('crl', '-in', join(ca, 'crl.pem'), '-outform', 'DER', '-out', join(dir, `${root}.crl`));
    return join(dir, `${root}.crl`);
  });
}
