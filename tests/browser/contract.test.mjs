// The relying party's PDF contract: certificate first, one hash, one password entry, and the
// signed PDF it serves judged by validators we did not write (pyHanko, poppler's pdfsig) and by
// `mynakey-rp verify --pdf`. tests/run.sh puts its pinned pyHanko (and its python3) on PATH.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { consentWindow, launch, openPage, pageResult, pressIn, repo, SIGN_PASSWORD, startRp, tempDir, verifyCli } from './harness.mjs';

let rp;
before(async () => { rp = await startRp(); });
after(async () => { await rp.close(); });

test('a PDF contract is signed with one password entry and downloads as a valid PAdES file', async () => {
  const b = await launch();
  const dir = tempDir('contract');
  try {
    const page = await openPage(b.context, rp.origin, '/contract');
    const first = await consentWindow(b.context, () => page.click('#sign-contract'));
    assert.match(await first.locator('#action').textContent(), /署名用電子証明書/);
    await first.locator('#pin').fill(SIGN_PASSWORD);
    const second = await consentWindow(b.context, () => pressIn(first, '#pin', 'Enter'));
    // The window names the document the relying party gave.
    assert.deepEqual(await second.locator('#documents li').allTextContents(), ['契約書（テスト）.pdf']);
    assert.equal(await second.locator('#pin-row').isHidden(), true);
    await pressIn(second, '#submit', 'Enter');
    const r = await pageResult(page);
    assert.equal(r.state, 'ok', JSON.stringify(r.body));
    assert.ok(r.body.signer.name, 'the signer is decoded from the certificate');

    // The file the person downloads, fetched through the relying party's own route.
    const base64 = await page.evaluate(async () => {
      const res = await fetch(document.getElementById('download').href);
      const bytes = new Uint8Array(await res.arrayBuffer());
      let text = '';
      for (const b of bytes) text += String.fromCharCode(b);
      return btoa(text);
    });
    const pdf = join(dir, 'contract-signed.pdf');
    writeFileSync(pdf, Buffer.from(base64, 'base64'));
    const root = join(dir, 'root.pem');
    execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(repo, 'tests/fixtures/pki/sign-root-2.der'), '-out', root]);

    // `pyhanko sign validate` with the TEST signing CRL: the certificate names a CRL
    // distribution point, and pyHanko's hard-fail revocation check needs its CRL.
    const validate = join(repo, 'tests/documents/pyhanko-validate.py');
    const crl = join(repo, 'tests/fixtures/pki/sign.crl');
    const pyhanko = spawnSync('python3', [validate, '--trust', root, '--crl', crl, pdf], { encoding: 'utf8' });
    assert.equal(pyhanko.status, 0, pyhanko.stdout + pyhanko.stderr);
    assert.match(pyhanko.stdout, /The signature is judged VALID/);
    assert.match(pyhanko.stdout, /The signer's certificate is trusted/);
    const pdfsig = spawnSync('pdfsig', [pdf], { encoding: 'utf8' });
    assert.match(pdfsig.stdout, /Signature is Valid\./, pdfsig.stdout + pdfsig.stderr);
    const ours = await verifyCli(['--pdf', pdf]);
    assert.equal(ours.code, 0, JSON.stringify(ours));
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
