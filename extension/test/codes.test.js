// One source of truth for error codes: the protocol's generated HOST_ERROR_CODES. The page
// library's types and texts, the flow's reactions and the window's texts in both languages must
// cover exactly those codes plus the extension's own, so a code added on the Rust side fails
// here (and in tsc) until the extension handles it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { HOST_ERROR_CODES, RETRIABLE_ERROR_CODES } from '../src/generated/protocol.js';
import { EXTENSION_ERROR_CODES } from '../src/errors.js';
import { HOST_ERROR_REACTION } from '../src/flow.js';
import { WINDOW_TEXT } from '../src/window-texts.js';
import { MynakeyError } from '../page/mynakey.js';
/** @import { MynakeyErrorCode } from '../page/mynakey.js' */
/** @import { PageErrorCode } from '../src/errors.js' */

/** @param {string} path */
const read = (path) => readFileSync(new URL(path, import.meta.url), 'utf8');
const PAGE_CODES = [...HOST_ERROR_CODES, ...EXTENSION_ERROR_CODES];
const sorted = (/** @type {Iterable<string>} */ xs) => [...new Set(xs)].sort();

// Checked by tsc: the page library's MynakeyErrorCode is exactly the codes a page can receive.
/** @type {(c: PageErrorCode) => MynakeyErrorCode} */
const typedForPages = (c) => c;
/** @type {(c: MynakeyErrorCode) => PageErrorCode} */
const receivableByPages = (c) => c;

test('mynakey.d.ts names exactly the host’s codes and the extension’s own', () => {
  const d = read('../page/mynakey.d.ts');
  const union = d.slice(d.indexOf('export type MynakeyErrorCode ='), d.indexOf('export declare class MynakeyError'));
  const declared = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
  assert.deepEqual(sorted(declared), sorted(PAGE_CODES));
  for (const c of PAGE_CODES) assert.equal(receivableByPages(typedForPages(c)), c);
});

test('the page library has a Japanese and an English message for every code', () => {
  for (const code of PAGE_CODES) {
    const e = new MynakeyError(code);
    assert.notEqual(e.messageJa, `エラー（${code}）`, `${code}: no Japanese message in mynakey.js`);
    assert.notEqual(e.messageEn, `Error (${code})`, `${code}: no English message in mynakey.js`);
  }
});

test('the flow reacts to every host code, and offers a retry only where the host says one can succeed', () => {
  assert.deepEqual(sorted(Object.keys(HOST_ERROR_REACTION)), sorted(HOST_ERROR_CODES));
  for (const [code, reaction] of Object.entries(HOST_ERROR_REACTION)) {
    if (reaction === 'retry' || reaction === 'pin' || reaction === 'lastTry') {
      assert.ok(RETRIABLE_ERROR_CODES.includes(/** @type {any} */ (code)), `${code}: the window offers a retry, the protocol says it cannot succeed`);
    }
  }
});

test('the window has a text for every host code, in Japanese and English', () => {
  const ja = JSON.parse(read('../src/_locales/ja/messages.json'));
  const en = JSON.parse(read('../src/_locales/en/messages.json'));
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  assert.deepEqual(sorted(Object.keys(WINDOW_TEXT)), sorted(HOST_ERROR_CODES));
  for (const [code, key] of Object.entries(WINDOW_TEXT)) {
    assert.ok(ja[key]?.message && en[key]?.message, `${code}: ${key} missing in a locale`);
    // A problem the person is asked to fix in the window must say what it is, not "error CODE".
    if (HOST_ERROR_REACTION[/** @type {keyof typeof HOST_ERROR_REACTION} */ (code)] !== 'answer') assert.notEqual(key, 'errorGeneric', code);
  }
});
