// The PDF contract (/contract) of the example relying party, with `mynakey-rp document
// prepare|finish|ltv` (docs/documents.md), JSON in and out: certificate first, the server prepares
// the PDF (stateless; the prepared state stays in the session), the page signs the one hash, the
// server finishes, checks the result with `verify --pdf`, and serves it.
//
// With a time-stamping authority configured (`timestamps`, below), `finish --tsa` adds a trusted
// timestamp over the signature (PAdES B-T: the signer is judged at the TSA's time, so the file
// stays valid after the certificate is revoked because its holder moved house), and the server
// also makes the long-term PDF with `document ltv` (PAdES B-LTA: the certificates and the CRLs it
// judged the signer with in the PDF's document security store, then a document timestamp over
// everything). Each file is checked with `verify --pdf --tsa-trust` before it is offered.
//
//   timestamps: {
//     tsa: 'https://tsa.example.jp/tsa',   the RFC 3161 TSA
//     tsaTrust: DIR,                       its root certificate(s), DER or PEM
//     crls: async () => [FILE, …],         the current CRLs (DER) of the signing CA and of the TSA's
//   }                                      root, issued after the signature's timestamp: a real
//                                          service downloads J-LIS's and its TSA's
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readJson, send } from './http.mjs';
import { isStrictBase64, LIMITS, runVerifier } from './verifier.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CONTRACT = { name: '契約書（テスト）.pdf', file: join(repo, 'tests/fixtures/documents/contract-xref-table.pdf') };

/** The downloads: path → [session field, file name]. */
const FILES = {
  '/contract/signed.pdf': ['signed', 'contract-signed.pdf'],
  '/contract/signed-lta.pdf': ['longTerm', 'contract-signed-lta.pdf'],
};

/** `mynakey-rp document ARGS` with `input` as JSON: {out} on success, else {code} (the tool's). */
function runDocument(config, args, input) {
  return new Promise((resolveRun) => {
    const child = execFile(config.rpBinary, ['document', ...args], { timeout: 15000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        let json = null;
        try {
          json = JSON.parse(stdout);
        } catch { /* below */ }
        if (err || !json) {
          config.log(`relying party: document ${args[0]} failed: ${String(stderr || stdout || err).slice(0, 4000)}`);
          return resolveRun({ out: null, code: json?.error?.code ?? null });
        }
        resolveRun({ out: json });
      });
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(input));
  });
}

const tsaOptions = (t) => (t ? ['--tsa', t.tsa, '--tsa-trust', t.tsaTrust] : []);

/** `verify --pdf`, with the TSA roots when timestamps are configured. */
async function verifyPdf(config, pdf) {
  const dir = mkdtempSync(join(tmpdir(), 'rp-contract-'));
  try {
    writeFileSync(join(dir, 'signed.pdf'), pdf);
    const t = config.timestamps;
    return await runVerifier(config, ['--pdf', join(dir, 'signed.pdf'), ...(t ? ['--tsa-trust', t.tsaTrust] : [])]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The long-term PDF (B-LTA) of a timestamped one, or null (logged) if it cannot be made. */
async function makeLongTerm(config, pdf) {
  const t = config.timestamps;
  const crls = await t.crls();
  const issuers = config.trustDir ? ['--issuers', config.trustDir] : [];
  const { out } = await runDocument(config, ['ltv', ...tsaOptions(t), ...issuers, ...crls.flatMap((f) => ['--crl', f])],
    { document: pdf.toString('base64') });
  if (!out) return null;
  const archived = Buffer.from(out.signed, 'base64');
  const verdict = await verifyPdf(config, archived);
  const level = verdict.valid ? verdict.result.signatures[0].level : null;
  if (level === 'B-LTA') return archived;
  config.log(`relying party: the long-term PDF is not B-LTA (${level}): ${JSON.stringify(verdict.error ?? null)}`);
  return null;
}

async function prepare(config, req, res, s) {
  const { certificate } = await readJson(req);
  if (!isStrictBase64(certificate, LIMITS.certificateBytes)) {
    return send(res, 400, { error: 'certificate must be base64', code: 'BAD_INPUT' });
  }
  const document = readFileSync(CONTRACT.file).toString('base64');
  const { out } = await runDocument(config, ['prepare'], { format: 'pdf', document, certificate, reason: 'mynakey example contract' });
  if (!out) return send(res, 500, { error: 'cannot prepare the contract' });
  s.contract = { certificate, prepared: out.prepared, signed: null, longTerm: null };
  return send(res, 200, { hashAlgorithm: out.hashAlgorithm, hash: out.hash, documentName: CONTRACT.name });
}

async function finish(config, req, res, s) {
  const { certificate, signature } = await readJson(req);
  const c = s.contract;
  if (!c || !c.prepared) return send(res, 400, { error: 'no contract prepared' });
  const prepared = c.prepared;
  c.prepared = null;
  if (certificate !== c.certificate) return send(res, 400, { error: 'signed with another certificate' });
  if (!isStrictBase64(signature, LIMITS.signatureBytes)) {
    return send(res, 400, { error: 'signature must be base64', code: 'BAD_INPUT' });
  }
  const { out, code } = await runDocument(config, ['finish', ...tsaOptions(config.timestamps)], { prepared, signature });
  if (!out && code?.startsWith('TSA_')) return send(res, 502, { error: 'the time-stamping authority failed', code });
  if (!out) return send(res, 401, { error: 'signature rejected' });
  const pdf = Buffer.from(out.signed, 'base64');
  const verdict = await verifyPdf(config, pdf);
  if (!verdict.valid) return send(res, 401, { error: 'signed PDF rejected', verdict });
  c.signed = pdf;
  c.longTerm = config.timestamps ? await makeLongTerm(config, pdf) : null;
  const [signed] = verdict.result.signatures;
  return send(res, 200, {
    ok: true,
    signer: signed.signer,
    level: signed.level,
    download: '/contract/signed.pdf',
    longTerm: c.longTerm ? { level: 'B-LTA', download: '/contract/signed-lta.pdf' } : null,
  });
}

/** POST /api/contract/prepare and /api/contract/finish. */
export function handleContract(config, path, req, res, s) {
  if (path === '/api/contract/prepare') return prepare(config, req, res, s);
  if (path === '/api/contract/finish') return finish(config, req, res, s);
  return send(res, 404, { error: 'not found' });
}

/** GET of a signed contract: whether `path` is one (then answered). */
export function serveContractFile(path, res, s) {
  const file = FILES[path];
  if (!file) return false;
  const bytes = s.contract?.[file[0]];
  if (!bytes) {
    send(res, 404, { error: 'nothing signed yet' });
  } else {
    res.setHeader('Content-Disposition', `attachment; filename="${file[1]}"`);
    send(res, 200, bytes, 'application/pdf');
  }
  return true;
}
