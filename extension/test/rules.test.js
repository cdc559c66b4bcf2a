// The request origin, document names and the displayed site.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { NAME_MAX, senderOrigin, cleanDocumentName, normalisePin, pinWellFormed } from '../src/rules.js';
import { siteParts } from '../src/site.js';
import { getDomain } from 'tldts';

/** @param {string | undefined} origin @param {string} [url] */
const top = (origin, url) => ({ tab: { id: 1 }, frameId: 0, origin, url });

test('the origin is the browser-reported one, https or loopback http only', () => {
  assert.equal(senderOrigin(top('https://bank.example')), 'https://bank.example');
  assert.equal(senderOrigin(top('https://bank.example:8443')), 'https://bank.example:8443');
  assert.equal(senderOrigin(top('http://localhost:3000')), 'http://localhost:3000');
  assert.equal(senderOrigin(top('http://127.0.0.1:3000')), 'http://127.0.0.1:3000');
  assert.equal(senderOrigin(top('http://bank.example')), null);
  assert.equal(senderOrigin({ ...top('https://bank.example'), frameId: 3 }), null, 'not a subframe');
  assert.equal(senderOrigin({ frameId: 0, origin: 'https://bank.example' }), null, 'not from a tab');
  assert.equal(senderOrigin(top('https://bank.example/path')), null);
});

test('an opaque origin is refused, and sender.url is never used instead', () => {
  assert.equal(senderOrigin(top('null', 'https://bank.example/sandboxed.html')), null);
  assert.equal(senderOrigin(top(undefined, 'https://bank.example/')), null);
});

test('document names lose bidi and control characters', () => {
  // U+202E RIGHT-TO-LEFT OVERRIDE makes "invoice‮fdp.exe" read as "invoiceexe.pdf".
  assert.equal(cleanDocumentName('invoice\u202Efdp.exe'), 'invoice fdp.exe');
  assert.equal(cleanDocumentName('a\u2066b\u2069c\u200Fd\u200Be'), 'a b c d e');
  assert.equal(cleanDocumentName('line1\nline2\r\n\tx\u0007'), 'line1 line2 x');
  assert.equal(cleanDocumentName('a\u2028b\u2029c'), 'a b c');
  assert.equal(cleanDocumentName('  利用規約への同意書.txt  '), '利用規約への同意書.txt');
});

test('document names are capped', () => {
  const long = 'あ'.repeat(500);
  const shown = cleanDocumentName(long);
  assert.equal(Array.from(shown).length, NAME_MAX);
  assert.ok(shown.endsWith('…'));
  assert.equal(cleanDocumentName('x'.repeat(NAME_MAX)), 'x'.repeat(NAME_MAX));
  // Emoji beyond the BMP count as one character each and are never cut in half.
  const emoji = Array.from(cleanDocumentName('😀'.repeat(200)));
  assert.deepEqual(emoji.slice(0, -1), Array(NAME_MAX - 1).fill('😀'));
});

test('the window emphasises the registrable domain (Public Suffix List)', () => {
  assert.deepEqual(siteParts('https://bank.example.jp.evil.example', getDomain),
    { prefix: 'bank.example.jp.', site: 'evil.example', suffix: '' });
  assert.deepEqual(siteParts('https://www.city.shibuya.tokyo.jp', getDomain),
    { prefix: 'www.', site: 'city.shibuya.tokyo.jp', suffix: '' });
  assert.deepEqual(siteParts('https://login.bank.co.jp:8443', getDomain),
    { prefix: 'login.', site: 'bank.co.jp', suffix: ':8443' });
  // Private suffixes count: two github.io sites are different sites.
  assert.equal(siteParts('https://a.evil.github.io', getDomain).site, 'evil.github.io');
  assert.deepEqual(siteParts('https://127.0.0.1:8443', getDomain), { prefix: '', site: '127.0.0.1', suffix: ':8443' });
  assert.deepEqual(siteParts('http://localhost:3000', getDomain), { prefix: 'http://', site: 'localhost', suffix: ':3000' });
});

test('PIN forms, from the protocol limits: 4 digits; 6–16 letters and digits; none in a held session', () => {
  for (const ok of ['0000', '1234']) assert.equal(pinWellFormed('auth', ok), true, ok);
  for (const bad of ['123', '12345', '12a4', '１２３４', '']) assert.equal(pinWellFormed('auth', bad), false, bad);
  for (const ok of ['abc123', 'ABCDEF', 'a'.repeat(16)]) assert.equal(pinWellFormed('sign', ok), true, ok);
  for (const bad of ['abc12', 'a'.repeat(17), 'abc-123', 'パスワード123', 'ａｂｃ１２３', 'abc 123']) assert.equal(pinWellFormed('sign', bad), false, bad);
  assert.equal(pinWellFormed(null, ''), true);
});

test('PIN normalising, from PIN_RULES: the signing password upper-cased as the host does it, the auth PIN as typed', () => {
  assert.equal(normalisePin('sign', 'AbC12z'), 'ABC12Z');
  // The host's pin_rules test expects the same of Unicode's default upper-casing.
  assert.equal(normalisePin('sign', 'straße'), 'STRASSE');
  assert.equal(pinWellFormed('sign', 'straße'), true);
  assert.equal(normalisePin('auth', '0123'), '0123');
});
