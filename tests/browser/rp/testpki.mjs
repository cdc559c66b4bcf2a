// The test PKI's roots (tests/fixtures/pki/{auth,sign}-root-*.der) in a directory of their own,
// for `mynakey-rp verify --trust DIR`, which takes every certificate in DIR as a root.
// TEST ONLY: a real service passes no --trust and so trusts the J-LIS roots built into the verifier.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pki = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/pki');

export function testTrustDir() {
  const dir = mkdtempSync(join(tmpdir(), 'mynakey-trust-'));
  for (const f of readdirSync(pki)) {
    if (/^(auth|sign)-root-\d+\.der$/.test(f)) copyFileSync(join(pki, f), join(dir, f));
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
