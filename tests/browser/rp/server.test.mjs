// The example relying party's input rules, without a browser (issue 11 item 1): values the page
// posts reach the verifier only as strict base64 of bounded length, and the verifier's stderr
// never reaches the browser. A stand-in verifier records every call it gets.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { isStrictBase64, LIMITS, startServer } from './server.mjs';
import { selfSignedCertificate } from './tls.mjs';

const SECRET_STDERR = 'root:x:0:0 first byte of /etc/shadow';
let dir;
let calls;
let rp;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mynakey-rp-test-'));
  calls = join(dir, 'calls.log');
  const fake = join(dir, 'fake-verifier');
  // Records its arguments, then fails the way a usage error does: details on stderr, exit 2.
  writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\necho '${SECRET_STDERR}' >&2\nexit 2\n`);
  chmodSync(fake, 0o755);
  rp = await startServer({ port: 0, rpBinary: fake, trustDir: dir, ...selfSignedCertificate() });
});

after(async () => {
  await rp?.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(path, body, cookie) {
  return new Promise((resolvePost, reject) => {
    const data = JSON.stringify(body);
    const req = request(`${rp.origin}${path}`, {
      method: 'POST',
      rejectUnauthorized: false,
      headers: {
        origin: rp.origin,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(data),
        ...(cookie ? { cookie } : {}),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const setCookie = (res.headers['set-cookie'] || [])[0];
        resolvePost({ status: res.statusCode, text, json: JSON.parse(text), cookie: setCookie?.split(';')[0] ?? cookie });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const verifierCalls = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []);

async function signWith(certificate, signature = Buffer.alloc(256, 1).toString('base64')) {
  const docs = await post('/api/sign/documents', {});
  return post('/api/sign', { certificate, signatures: docs.json.documents.map(() => signature) }, docs.cookie);
}

test('isStrictBase64 takes canonical padded base64 of bounded length only', () => {
  assert.ok(isStrictBase64('MIIB', 16));
  assert.ok(isStrictBase64('AA==', 1));
  for (const bad of ['', '@/etc/passwd', '@/dev/zero', 'AA=', 'AB==', 'A A=', 'AA==\n', '-', '--help',
    'QQ', 'QUJD\u0000', 42, null, undefined, ['AA=='], { length: 4 }]) {
    assert.equal(isStrictBase64(bad, 1024), false, JSON.stringify(bad));
  }
  assert.equal(isStrictBase64(Buffer.alloc(LIMITS.certificateBytes).toString('base64'), LIMITS.certificateBytes), true);
  assert.equal(isStrictBase64(Buffer.alloc(LIMITS.certificateBytes + 1).toString('base64'), LIMITS.certificateBytes), false);
});

test('file names, options and oversize values never reach the verifier', async () => {
  const before = verifierCalls().length;
  for (const certificate of ['@/etc/passwd', '@/nonexistent', '@/dev/zero', '--certificate-file=/etc/passwd',
    Buffer.alloc(LIMITS.certificateBytes + 3).toString('base64'), 7, null]) {
    const r = await signWith(certificate);
    assert.equal(r.status, 400, `${certificate}: ${r.text}`);
    assert.equal(r.json.code, 'BAD_INPUT');
    const attrs = await post('/api/sign/attributes', { certificate });
    assert.equal(attrs.status, 400, attrs.text);
  }
  const r = await signWith(Buffer.from('cert').toString('base64'), '@/etc/passwd');
  assert.equal(r.status, 400, r.text);
  assert.equal(verifierCalls().length, before, 'the verifier was started');
});

test("the verifier's stderr is logged, never returned to the browser", async () => {
  const before = verifierCalls().length;
  const r = await signWith(Buffer.from('a certificate').toString('base64'));
  assert.ok(verifierCalls().length > before, 'a valid-looking value reaches the verifier');
  assert.equal(r.status, 401, r.text);
  assert.ok(!r.text.includes(SECRET_STDERR), r.text);
  assert.ok(!r.text.includes('root:'), r.text);
  assert.match(r.text, /VERIFIER_FAILED/);
});
