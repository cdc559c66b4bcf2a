// The extension's build and static checks (no browser needed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { BACKGROUND_SCRIPTS, build, CHROMIUM_ID, extensionIdFromKey, GECKO_ID } from '../../extension/build.mjs';
import { EXTENSION_ID, repo, tempDir } from './harness.mjs';

const json = (p) => JSON.parse(readFileSync(p, 'utf8'));

test('build writes a Chromium and a Firefox variant from one source', () => {
  const out = tempDir('ext-build');
  try {
    const r = build(out);
    assert.equal(r.id, EXTENSION_ID);
    assert.equal(CHROMIUM_ID, EXTENSION_ID);
    const c = json(join(out, 'chromium/manifest.json'));
    const f = json(join(out, 'firefox/manifest.json'));
    assert.equal(extensionIdFromKey(c.key), EXTENSION_ID);
    assert.deepEqual(c.permissions, ['nativeMessaging']);
    assert.equal(c.host_permissions, undefined, 'no host permissions beyond the content script');
    assert.deepEqual(c.background, { service_worker: 'background.js' });
    assert.equal(c.content_scripts[0].all_frames, false);
    assert.deepEqual(c.content_scripts[0].matches, ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*']);
    assert.equal(f.key, undefined);
    assert.deepEqual(f.background, { scripts: [...BACKGROUND_SCRIPTS, 'background.js'] });
    // Chromium's worker loads the same helpers itself.
    const worker = readFileSync(join(out, 'chromium/background.js'), 'utf8');
    assert.ok(worker.includes(`importScripts(${BACKGROUND_SCRIPTS.map((n) => `'${n}'`).join(', ')})`));
    // The Public Suffix List is bundled into the background of both, from the pinned tldts (its
    // licence beside it); the window loads no list of its own.
    for (const v of ['chromium', 'firefox']) {
      assert.ok(readFileSync(join(out, v, 'tldts.LICENSE.txt'), 'utf8').includes('MIT'));
      assert.ok(readFileSync(join(out, v, 'service.js'), 'utf8').includes('kawasaki'), `${v}: the list is in service.js`);
      assert.doesNotMatch(readFileSync(join(out, v, 'consent.html'), 'utf8'), /tldts/);
    }
    assert.equal(f.browser_specific_settings.gecko.id, GECKO_ID);
    assert.deepEqual(f.content_scripts, c.content_scripts);
    assert.deepEqual(readdirSync(join(out, 'firefox')).sort(), readdirSync(join(out, 'chromium')).sort());
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('the host manifest templates allow exactly this extension', () => {
  const c = json(join(repo, 'manifests/jp.mynakey.host.chromium.json'));
  const f = json(join(repo, 'manifests/jp.mynakey.host.firefox.json'));
  assert.deepEqual(c.allowed_origins, [`chrome-extension://${EXTENSION_ID}/`]);
  assert.deepEqual(f.allowed_extensions, [GECKO_ID]);
  assert.equal(c.name, 'jp.mynakey.host');
  assert.equal(f.name, 'jp.mynakey.host');
});

test('Japanese and English window texts have the same keys, and every key used exists', () => {
  const ja = json(join(repo, 'extension/src/_locales/ja/messages.json'));
  const en = json(join(repo, 'extension/src/_locales/en/messages.json'));
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  const sources = ['consent.html', 'consent.js', 'manifest.json']
    .map((f) => readFileSync(join(repo, 'extension/src', f), 'utf8')).join('\n');
  const used = new Set([
    ...[...sources.matchAll(/data-i18n="([A-Za-z]+)"/g)].map((m) => m[1]),
    ...[...sources.matchAll(/\bt\('([A-Za-z]+)'/g)].map((m) => m[1]),
    ...[...sources.matchAll(/__MSG_([A-Za-z]+)__/g)].map((m) => m[1]),
  ]);
  for (const k of used) assert.ok(k in ja, `missing message ${k}`);
});

// Besides running in Firefox (both.test.mjs), the Firefox build is checked by Mozilla's own
// validator, the one addons.mozilla.org runs on every upload.
test('the Firefox build passes addons-linter with no errors or warnings', () => {
  const out = tempDir('ext-lint');
  try {
    build(out);
    const linter = join(repo, 'tests/browser/node_modules/.bin/addons-linter');
    const r = spawnSync(linter, ['--output', 'json', join(out, 'firefox')], { encoding: 'utf8' });
    const report = JSON.parse(r.stdout);
    const problems = [...report.errors, ...report.warnings].map((m) => `${m.code}: ${m.message}`);
    assert.deepEqual(problems, []);
    assert.equal(report.summary.errors, 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
