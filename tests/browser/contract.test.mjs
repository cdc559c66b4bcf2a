// The relying party's PDF contract: certificate first, one hash, one password entry, and the
// signed PDF it serves judged by validators we did not write (pyHanko, poppler's pdfsig) and by
// `mynakey-rp verify --pdf`. With a time-stamping authority (the test TSA, OpenSSL's, on
// loopback) the page also offers the long-term PDF (PAdES B-LTA), judged by pyHanko's AdES
// long-term validation (no network: the sign root, the TSA root and the file's own data),
// `openssl ts -verify` on each of its timestamp tokens, and `verify --pdf` (level B-LTA).
// tests/run.sh puts its pinned pyHanko (and its python3, with asn1crypto) on PATH.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { consentWindow, launch, openPage, pageResult, pressIn, repo, SIGN_PASSWORD, startRp, startTestTsa, tempDir, verifyCli } from './harness.mjs';
import { testCrls, testTsaTrustDir } from './rp/testpki.mjs';

const TSA_TRUST = testTsaTrustDir();
// pyHanko's `sign validate` with CRLs given (the test signing certificates name a CRL
// distribution point nobody serves), and the timestamp tokens for `openssl ts -verify`.
const PYHANKO_VALIDATE = join(repo, 'tests/documents/pyhanko-validate.py');
const TIMESTAMP_TOKENS = join(repo, 'tests/documents/timestamp-tokens.py');
let rp;
let tsa;
let rpWithTsa;
/** The CRLs the relying party embedded last (fresh ones from the test roots). */
let embeddedCrls = [];
before(async () => {
  rp = await startRp();
  tsa = await startTestTsa();
  rpWithTsa = await startRp({ timestamps: { tsa: tsa.url, tsaTrust: TSA_TRUST, crls: async () => (embeddedCrls = testCrls()) } });
});
after(async () => {
  await rp?.close();
  await rpWithTsa?.close();
  await tsa?.stop();
});

/** PEM copies of a fixture root, for pyHanko's and openssl's --trust / -CAfile. */
function pem(dir, fixture) {
  const out = join(dir, fixture.replace(/\.der$/, '.pem'));
  execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(repo, 'tests/fixtures/pki', fixture), '-out', out]);
  return out;
}

/**
 * Signs the contract on `server`'s /contract page as the person does: one click, the password in
 * the first window, Enter in the second. Returns {page, result} (the page's #result).
 */
async function signContract(b, server) {
  const page = await openPage(b.context, server.origin, '/contract');
  const explain = async () => `relying party's log:\n${server.log() || '(empty)'}\nhost's log (end):\n${b.hostLog().slice(-3000)}`;
  const first = await consentWindow(b.context, () => page.click('#sign-contract'), { page, explain });
  assert.match(await first.locator('#action').textContent(), /署名用電子証明書/);
  await first.locator('#pin').fill(SIGN_PASSWORD);
  // getSigningCertificate → the relying party's `document prepare` → sign: the page shows an
  // error rather than a second window if a step between fails, and this says so at once.
  const second = await consentWindow(b.context, () => pressIn(first, '#pin', 'Enter'), { page, explain });
  // The window names the document the relying party gave.
  assert.deepEqual(await second.locator('#documents li').allTextContents(), ['契約書（テスト）.pdf']);
  assert.equal(await second.locator('#pin-row').isHidden(), true);
  await pressIn(second, '#submit', 'Enter');
  const result = await pageResult(page);
  assert.equal(result.state, 'ok', `${JSON.stringify(result.body)}\n${await explain()}`);
  return { page, result };
}

/** The file behind the page's link `selector`, fetched through the relying party's own route, into `out`. */
async function download(page, selector, out) {
  const base64 = await page.evaluate(async (sel) => {
    const res = await fetch(document.querySelector(sel).href);
    if (res.status !== 200) return null;
    const bytes = new Uint8Array(await res.arrayBuffer());
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  }, selector);
  if (base64 === null) return null;
  writeFileSync(out, Buffer.from(base64, 'base64'));
  return out;
}

/** `mynakey-rp verify --pdf` with the test TSA root: the result (asserted valid). */
async function verifyWithTsa(pdf) {
  const ours = await verifyCli(['--pdf', pdf, '--tsa-trust', TSA_TRUST]);
  assert.equal(ours.code, 0, ours.out);
  return JSON.parse(ours.out).result;
}

test('a PDF contract is signed with one password entry and downloads as a valid PAdES file', async () => {
  const b = await launch();
  const dir = tempDir('contract');
  try {
    const { page, result } = await signContract(b, rp);
    assert.ok(result.body.signer.name, 'the signer is decoded from the certificate');
    // No TSA: no timestamp, and no long-term PDF on offer.
    assert.equal(result.body.level, 'B-B');
    assert.equal(result.body.longTerm, null);
    assert.equal(await page.locator('#long-term').isHidden(), true);
    assert.equal(await download(page, '#download-long-term', join(dir, 'none.pdf')), null, 'no long-term PDF is served');

    const pdf = await download(page, '#download', join(dir, 'contract-signed.pdf'));
    const root = pem(dir, 'sign-root-2.der');
    // `pyhanko sign validate` with the TEST signing CRL: the certificate names a CRL
    // distribution point, and pyHanko's hard-fail revocation check needs its CRL.
    const crl = join(repo, 'tests/fixtures/pki/sign.crl');
    const pyhanko = spawnSync('python3', [PYHANKO_VALIDATE, '--trust', root, '--crl', crl, pdf], { encoding: 'utf8' });
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

test('with a TSA, the page also offers the long-term PDF (B-LTA), valid for pyHanko, openssl ts and verify', async () => {
  const b = await launch();
  const dir = tempDir('contract-lta');
  try {
    const { page, result } = await signContract(b, rpWithTsa);
    assert.equal(result.body.level, 'B-T', JSON.stringify(result.body));
    assert.deepEqual(result.body.longTerm, { level: 'B-LTA', download: '/contract/signed-lta.pdf' }, rpWithTsa.log());
    assert.equal(await page.locator('#long-term').isVisible(), true);
    assert.match(await page.locator('#download-long-term').textContent(), /長期保存用 PDF/);

    const signed = await download(page, '#download', join(dir, 'contract-signed.pdf'));
    const archived = await download(page, '#download-long-term', join(dir, 'contract-signed-lta.pdf'));
    assert.ok(archived, 'the long-term PDF is served');
    // The long-term file is the signed one plus incremental updates: the signed bytes unchanged.
    const [signedBytes, archivedBytes] = [readFileSync(signed), readFileSync(archived)];
    assert.ok(archivedBytes.length > signedBytes.length && archivedBytes.subarray(0, signedBytes.length).equals(signedBytes));
    assert.equal((await verifyWithTsa(signed)).signatures[0].level, 'B-T');

    // pyHanko's AdES long-term validation: the two roots only, revocation data from the file.
    const roots = ['--trust', pem(dir, 'sign-root-2.der'), '--trust', pem(dir, 'tsa-root.der'), '--trust-replace'];
    const ades = spawnSync('pyhanko', ['sign', 'adesverify', '--pretty-print', ...roots, archived], { encoding: 'utf8' });
    assert.equal(ades.status, 0, ades.stdout + ades.stderr);
    assert.match(ades.stdout, /The signature is judged VALID/, ades.stdout);
    assert.doesNotMatch(ades.stdout, /WARNING/, ades.stdout);
    const validate = spawnSync('python3', [PYHANKO_VALIDATE, '--summary', '--trust', pem(dir, 'sign-root-2.der'), '--trust', pem(dir, 'tsa-root.der'),
      '--crl', embeddedCrls[0], archived], { encoding: 'utf8' });
    assert.match(validate.stdout, /TRUSTED,TIMESTAMP_TOKEN<INTACT:TRUSTED>,EXTENDED_WITH_LTA_UPDATES/, validate.stdout + validate.stderr);

    // openssl ts -verify: each token over its bytes, under the test TSA root.
    for (const [token, args] of [['signature', ['signature', 'pdf', archived]], ['document', ['document', archived]]]) {
      const extract = spawnSync('python3', [TIMESTAMP_TOKENS, ...args, join(dir, token)], { encoding: 'utf8' });
      assert.equal(extract.status, 0, extract.stderr);
      const ts = spawnSync('openssl', ['ts', '-verify', '-token_in', '-in', join(dir, `${token}.tst`), '-data', join(dir, `${token}.data`),
        '-CAfile', pem(dir, 'tsa-root.der')], { encoding: 'utf8' });
      assert.match(ts.stdout, /Verification: OK/, `${token} timestamp: ${ts.stdout}${ts.stderr}`);
    }

    // Ours: B-LTA, judged with the DSS's CRL, every document timestamp checked.
    const ours = await verifyWithTsa(archived);
    assert.equal(ours.signatures[0].level, 'B-LTA', JSON.stringify(ours));
    assert.equal(ours.dss.crlsUsed, 1, JSON.stringify(ours.dss));
    assert.ok(ours.documentTimestamps.length >= 1 && ours.documentTimestamps.every((t) => t.timestamp), JSON.stringify(ours.documentTimestamps));
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
