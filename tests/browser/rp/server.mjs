// An example relying party for mynakey: what a web service adds to accept My Number Card logins
// and document signatures. Node's standard library only; copy what you need.
//
//   node tests/browser/rp/server.mjs [--port 8443] [--rp-binary target/debug/mynakey-rp]
//                                    [--trust DIR | --jlis] [--tsa URL [--tsa-trust DIR] [--crl FILE]...]
//     (default: the test PKI's roots, for the simulated card; --jlis: the real J-LIS roots)
//   then open https://127.0.0.1:8443/ in a browser with the mynakey extension.
//   --tsa: an RFC 3161 time-stamping authority for the contract page (4. below; e.g. the test TSA,
//   `target/debug/mynakey-test-tsa` prints its URL), whose roots are in --tsa-trust DIR (default
//   with the test PKI: its test TSA root). The CRLs embedded in the long-term PDF are --crl FILEs,
//   read again for each contract (keep them current); with the test PKI and no --crl, CRLs the
//   test roots issue at that moment (rp/testpki.mjs).
//
// What it shows:
//   1. Login: the server issues a challenge (32 random bytes, base64), single use, bound to the
//      browser's session cookie, valid 5 minutes. The page calls mynakey.authenticate({challenge})
//      and posts the token back. The server verifies the token against ITS OWN origin and the
//      challenge IT stored (never values from the request), with `mynakey-rp verify`, and links
//      the certificate's issuer + serial number (発行番号) to the account.
//   2. Signing N documents: the server fixes the documents and their SHA-256 hashes; the page
//      asks for one signature per hash (one password entry) and posts them back; the server
//      verifies each against the hash IT computed.
//   3. Certificate first (CAdES/PAdES style): the page gets the signing certificate, the server
//      builds "signed attributes" that include the certificate's hash and returns their hash, the
//      page signs that hash with the same certificate (no second password entry), the server
//      verifies.
//   4. A signed PDF contract (PAdES) the person downloads (/contract, rp/contract.mjs):
//      certificate first, the server prepares the PDF with `mynakey-rp document prepare`
//      (stateless, JSON in/out; the prepared state stays in the session), the page signs the one
//      hash, the server finishes with `mynakey-rp document finish`, checks the result with
//      `verify --pdf`, and serves it. With a TSA configured (startServer's `timestamps`), the
//      signed PDF carries a trusted timestamp (B-T) and the page offers a second download, the
//      long-term PDF (B-LTA, `document ltv`), to keep for years.
//
// Verification runs the relying party's tools (`mynakey-rp`, no card code, no PC/SC) as a separate
// process, so any language can do the same:
//   mynakey-rp verify --origin O --challenge C --trust DIR --json < token.json
//   mynakey-rp verify --signature --hash-algorithm SHA-256 --hash H --signature-value S
//                     --certificate C --trust DIR --json
// Without --trust the verifier trusts the real J-LIS roots; the tests pass the test PKI.
//
// Values from the page are data, never file names or options: each is checked as strict base64
// of bounded length (isStrictBase64, LIMITS in rp/verifier.mjs) before the verifier sees it, and
// the verifier's stderr goes to this server's log, never to the browser (which gets a generic
// code).

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { handleContract, serveContractFile } from './contract.mjs';
import { readJson, send } from './http.mjs';
import { isStrictBase64, LIMITS, runVerifier } from './verifier.mjs';

export { isStrictBase64, LIMITS } from './verifier.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const SESSION_COOKIE = 'rp_session';

// ------------------------------------------------------------------------------------------------
// Sessions: an opaque random id in an HttpOnly, Secure, SameSite=Strict cookie → server-side state.
// A real service keeps these in its session store.

const sessions = new Map(); // id -> {challenge: {value, expires} | null, user, documents, attributes}

function session(req, res) {
  const cookies = Object.fromEntries((req.headers.cookie || '').split(';').map((c) => c.trim().split('=')));
  let id = cookies[SESSION_COOKIE];
  if (!id || !sessions.has(id)) {
    id = randomBytes(32).toString('base64url');
    sessions.set(id, { challenge: null, user: null, documents: null, attributes: null, contract: null });
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; Secure; SameSite=Strict`);
  }
  return sessions.get(id);
}

// ------------------------------------------------------------------------------------------------
// Challenges: 32 random bytes, base64 (44 characters), one per session, used once, 5 minutes.

function issueChallenge(s) {
  const value = randomBytes(32).toString('base64');
  s.challenge = { value, expires: Date.now() + CHALLENGE_TTL_MS };
  return value;
}

/** Returns the session's challenge and forgets it (single use), or null if none is valid. */
function takeChallenge(s) {
  const c = s.challenge;
  s.challenge = null;
  return c && Date.now() <= c.expires ? c.value : null;
}

// ------------------------------------------------------------------------------------------------
// The verifier (rp/verifier.mjs): `mynakey-rp verify … --json`, exit 0 = valid.

function verifyLogin(config, token, challenge) {
  return runVerifier(config, ['--origin', config.origin, '--challenge', challenge], JSON.stringify(token));
}

function verifySignature(config, { hashAlgorithm, hash, signature, certificate }) {
  return runVerifier(config, ['--signature', '--hash-algorithm', hashAlgorithm, '--hash', hash,
    '--signature-value', signature, '--certificate', certificate]);
}

// ------------------------------------------------------------------------------------------------
// Documents to sign. A real service signs its own contract PDFs; here: two short texts.

function makeDocuments() {
  const stamp = new Date().toISOString();
  return [
    { name: '利用規約への同意書.txt', content: `I agree to the terms of service. ${stamp}` },
    { name: '口座開設申込書.txt', content: `Application to open an account. ${stamp}` },
  ].map((d) => ({ ...d, hash: createHash('sha256').update(d.content, 'utf8').digest('base64') }));
}

/**
 * Certificate first: the "signed attributes" that CAdES/PAdES sign include the hash of the
 * signer's certificate (ESSCertIDv2) beside the document hash, so the certificate must be known
 * before the hash to sign. This example uses a JSON stand-in for the DER SignedAttributes.
 */
function makeSignedAttributes(document, certificate) {
  const attributes = JSON.stringify({
    contentType: 'data',
    messageDigest: document.hash,
    signingCertificateV2: createHash('sha256').update(Buffer.from(certificate, 'base64')).digest('base64'),
    signingTime: new Date().toISOString(),
  });
  return { attributes, hash: createHash('sha256').update(attributes, 'utf8').digest('base64') };
}

// ------------------------------------------------------------------------------------------------
// HTTP plumbing.

const STATIC = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/login': ['login.html', 'text/html; charset=utf-8'],
  '/login.js': ['login.js', 'text/javascript; charset=utf-8'],
  '/sign': ['sign.html', 'text/html; charset=utf-8'],
  '/sign.js': ['sign.js', 'text/javascript; charset=utf-8'],
  '/library.html': ['library.html', 'text/html; charset=utf-8'],
  '/library.js': ['library.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/contract': ['contract.html', 'text/html; charset=utf-8'],
  '/contract.js': ['contract.js', 'text/javascript; charset=utf-8'],
};

// ------------------------------------------------------------------------------------------------
// The API.

async function handleApi(config, req, res, s) {
  const path = new URL(req.url, config.origin).pathname;
  // Same-origin check for state-changing requests (SameSite=Strict cookies already stop most CSRF).
  if (req.headers.origin !== config.origin) return send(res, 403, { error: 'cross-origin request' });

  if (path.startsWith('/api/contract/')) return handleContract(config, path, req, res, s);

  if (path === '/api/login/challenge') {
    return send(res, 200, { challenge: issueChallenge(s) });
  }

  if (path === '/api/login') {
    const { token } = await readJson(req);
    const challenge = takeChallenge(s); // consumed whatever the outcome
    if (!challenge) return send(res, 400, { error: 'no valid challenge; ask for a new one' });
    const tokenJson = JSON.stringify(token ?? null);
    if (typeof token !== 'object' || token === null || Array.isArray(token) || tokenJson.length > LIMITS.tokenChars) {
      return send(res, 400, { error: 'malformed login proof', code: 'BAD_INPUT' });
    }
    const verdict = await verifyLogin(config, token, challenge);
    if (!verdict.valid) return send(res, 401, { error: 'login proof rejected', verdict });
    // issuer + serial number identify the card's authentication certificate: link it to the
    // customer record (a renewed certificate gets a new serial number: re-link after a login
    // by other means).
    s.user = verdict.identity;
    return send(res, 200, { ok: true, identity: verdict.identity });
  }

  if (path === '/api/sign/documents') {
    s.documents = makeDocuments();
    return send(res, 200, {
      hashAlgorithm: 'SHA-256',
      documents: s.documents.map(({ name, hash }) => ({ name, hash })),
    });
  }

  if (path === '/api/sign') {
    const { certificate, signatures } = await readJson(req);
    const docs = s.documents;
    s.documents = null;
    if (!docs || !Array.isArray(signatures) || signatures.length !== docs.length) {
      return send(res, 400, { error: 'no documents to sign, or wrong number of signatures' });
    }
    if (!isStrictBase64(certificate, LIMITS.certificateBytes)
        || !signatures.every((sig) => isStrictBase64(sig, LIMITS.signatureBytes))) {
      return send(res, 400, { error: 'certificate and signatures must be base64', code: 'BAD_INPUT' });
    }
    const verdicts = [];
    for (const [i, d] of docs.entries()) {
      verdicts.push(await verifySignature(config, { hashAlgorithm: 'SHA-256', hash: d.hash, signature: signatures[i], certificate }));
    }
    if (!verdicts.every((v) => v.valid)) return send(res, 401, { error: 'signature rejected', verdicts });
    return send(res, 200, { ok: true, signer: verdicts[0].identity, documents: docs.map((d) => d.name) });
  }

  if (path === '/api/sign/attributes') {
    const { certificate } = await readJson(req);
    if (!isStrictBase64(certificate, LIMITS.certificateBytes)) {
      return send(res, 400, { error: 'certificate must be base64', code: 'BAD_INPUT' });
    }
    const [doc] = makeDocuments();
    s.attributes = { document: doc, certificate, ...makeSignedAttributes(doc, certificate) };
    return send(res, 200, { hashAlgorithm: 'SHA-256', hash: s.attributes.hash, documentName: doc.name });
  }

  if (path === '/api/sign/attributes/complete') {
    const { certificate, signature } = await readJson(req);
    const a = s.attributes;
    s.attributes = null;
    if (!a) return send(res, 400, { error: 'no signature prepared' });
    if (certificate !== a.certificate) return send(res, 400, { error: 'signed with another certificate' });
    if (!isStrictBase64(signature, LIMITS.signatureBytes)) {
      return send(res, 400, { error: 'signature must be base64', code: 'BAD_INPUT' });
    }
    const verdict = await verifySignature(config, { hashAlgorithm: 'SHA-256', hash: a.hash, signature, certificate });
    if (!verdict.valid) return send(res, 401, { error: 'signature rejected', verdict });
    return send(res, 200, { ok: true, signer: verdict.identity, document: a.document.name });
  }

  return send(res, 404, { error: 'not found' });
}

/**
 * Starts the relying party. `origin` must be what browsers see (https://host:port): it is the
 * origin login proofs are checked against. `timestamps` ({tsa, tsaTrust, crls}, rp/contract.mjs):
 * the contract page's time-stamping authority; without it the contract has no timestamp and no
 * long-term PDF. `log(line)`: the operator's log (default stderr).
 */
export function startServer({ port = 8443, host = '127.0.0.1', key, cert, rpBinary, trustDir, pageLibrary, timestamps, log } = {}) {
  const config = {
    rpBinary: rpBinary || process.env.MYNAKEY_RP || join(repo, 'target/debug/mynakey-rp'),
    trustDir, // undefined: the J-LIS roots built into the verifier
    pageLibrary: pageLibrary || join(repo, 'extension/page/mynakey.js'),
    timestamps,
    log: log || ((line) => console.error(line)),
    origin: null,
  };
  const server = createServer({ key, cert }, async (req, res) => {
    const s = session(req, res);
    const path = new URL(req.url, 'https://x').pathname;
    try {
      if (req.method === 'POST' && path.startsWith('/api/')) return await handleApi(config, req, res, s);
      if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
      if (path === '/mynakey.js') return send(res, 200, readFileSync(config.pageLibrary), 'text/javascript; charset=utf-8');
      if (path === '/api/me') return send(res, 200, { user: s.user });
      if (serveContractFile(path, res, s)) return;
      const entry = STATIC[path];
      if (!entry) return send(res, 404, 'not found', 'text/plain; charset=utf-8');
      return send(res, 200, readFileSync(join(here, 'public', entry[0])), entry[1]);
    } catch (e) {
      config.log(`relying party: ${req.method} ${path}: ${e && e.stack || e}`);
      return send(res, 500, { error: 'internal error' });
    }
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      config.origin = `https://${host}:${server.address().port}`;
      resolveStart({ origin: config.origin, server, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

// ------------------------------------------------------------------------------------------------
// Command line: serve with a throwaway self-signed certificate made by openssl.

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { selfSignedCertificate } = await import('./tls.mjs');
  const { testCrls, testTrustDir, testTsaTrustDir } = await import('./testpki.mjs');
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const testPki = !process.argv.includes('--jlis');
  const crlFiles = process.argv.flatMap((a, i) => (a === '--crl' ? [process.argv[i + 1]] : []));
  const tls = selfSignedCertificate();
  const { origin } = await startServer({
    port: Number(arg('--port') || 8443),
    rpBinary: arg('--rp-binary'),
    // This example serves the simulated card, so it trusts the test PKI unless told otherwise.
    trustDir: testPki ? arg('--trust') || testTrustDir() : undefined,
    timestamps: arg('--tsa') && {
      tsa: arg('--tsa'),
      tsaTrust: arg('--tsa-trust') || (testPki ? testTsaTrustDir() : undefined),
      crls: async () => (crlFiles.length || !testPki ? crlFiles : testCrls()),
    },
    ...tls,
  });
  console.log(`relying party on ${origin}/ (self-signed certificate)`);
}
