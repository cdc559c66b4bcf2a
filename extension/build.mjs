#!/usr/bin/env node
// Builds the two browser variants of the extension from the one source tree in src/.
//
//   node extension/build.mjs [OUTDIR]          -> OUTDIR/chromium, OUTDIR/firefox (default extension/dist)
//   node extension/build.mjs --test [OUTDIR]   the test build (default extension/dist-test)
//
// The store build (packaging/extension.sh zips it) bundles src/hooks.js, whose hooks do nothing.
// The test build, which the browser tests and the browser benchmark load, bundles
// src/test-hooks.js in its place: the window's timeline and input-gate record they read. Nothing
// else differs between the two.
//
// It refuses to build when the manifest's `key` no longer yields the extension id that the host
// manifests allow (see README.md, "The extension id").
//
// The sources are ES modules with JSDoc types (checked by `tsc -p extension`); esbuild bundles
// each script the browser loads into one classic script (content scripts and Chromium's worker
// cannot be modules): service.js (the background's logic, loaded by background.js), content.js
// and consent.js. tldts (the Public Suffix List, for the registrable domain the consent window
// emphasises) is pinned in package-lock.json (`npm ci --prefix extension`) and bundled into
// service.js: the background splits the origin once per request and the window loads no list
// (its licence is shipped as tldts.LICENSE.txt). Load dist/chromium in Chromium (chrome://extensions →
// Load unpacked), dist/firefox in Firefox (about:debugging); they differ only in manifest.json:
//   - Firefox has no MV3 service worker: `background.scripts` (an event page) instead;
//   - Firefox ignores `key`; the add-on id is fixed by browser_specific_settings.gecko.id, and
//     the host manifest's allowed_extensions must list it;
//   - `minimum_chrome_version` is Chromium-only.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
const distTest = join(here, 'dist-test');

/** The Firefox add-on id; manifests/ and host/src/install/ list the same value. */
export const GECKO_ID = 'mynakey@mynakey.jp';
/** Loaded before background.js: by importScripts in Chromium's worker, by the manifest in Firefox. */
export const BACKGROUND_SCRIPTS = ['service.js'];
/** Bundled scripts: output name → source entry (what it imports is bundled in). */
const BUNDLES = { 'service.js': 'service.js', 'content.js': 'content.js', 'consent.js': 'consent.js' };
/** Copied as they are. */
const STATIC = ['manifest.json', 'background.js', 'consent.html', 'consent.css', '_locales'];
/** tldts, bundled into service.js (see above): its licence ships beside it. */
const TLDTS_LICENSE = join(here, 'node_modules/tldts/LICENSE');
/** The licence texts at the top of the repository, shipped in both variants. */
const LICENSES = ['LICENSE-MIT', 'LICENSE-APACHE'].map((f) => join(here, '..', f));
/** The Chromium extension id that src/manifest.json's `key` yields (checked below). */
export const CHROMIUM_ID = 'dedionhfdmdcponbglgdkifomcnkbdka';

/** Extension id from the base64 SPKI in `key`: SHA-256, first 16 bytes, hex digits 0-f → a-p. */
/** @param {string} keyB64 */
export function extensionIdFromKey(keyB64) {
  const hex = createHash('sha256').update(Buffer.from(keyB64, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

/** @param {Record<string, any>} chromium the manifest as in src/ */
export function firefoxManifest(chromium) {
  const m = structuredClone(chromium);
  delete m.key;
  delete m.minimum_chrome_version;
  m.background = { scripts: [...BACKGROUND_SCRIPTS, 'background.js'] };
  // Nothing is collected by or sent to the extension's authors; what a page receives (a proof,
  // the signing certificate) is the person's consented exchange with that page.
  m.browser_specific_settings = {
    // 140 (ESR) is the first with data_collection_permissions; Android has no native messaging,
    // its minimum only keeps the linter's version check consistent.
    gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
    gecko_android: { strict_min_version: '142.0' },
  };
  return m;
}

/**
 * The release version, kept in one place for the host packages and both extension builds: the
 * workspace Cargo.toml's `[workspace.package] version`. src/manifest.json carries none.
 */
export function releaseVersion() {
  const toml = readFileSync(join(here, '..', 'Cargo.toml'), 'utf8');
  const section = toml.split(/^\[/m).find((s) => s.startsWith('workspace.package]'));
  const m = section && section.match(/^version\s*=\s*"(\d+\.\d+\.\d+)"\s*$/m);
  if (!m) throw new Error('Cargo.toml: no [workspace.package] version = "X.Y.Z"');
  return m[1];
}

/**
 * The package.json condition under which `#hooks` (imported by src/consent.js and src/flow.js)
 * resolves to src/test-hooks.js; without it, to src/hooks.js.
 */
const TEST_CONDITION = 'mynakey-test-build';

/**
 * Builds both variants into `outDir`; `test: true` makes the test build (see the top of this file).
 * @param {string} [outDir]
 * @param {{ test?: boolean }} [options]
 */
export function build(outDir = dist, { test = false } = {}) {
  const source = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
  if ('version' in source) throw new Error('src/manifest.json must not set version: it comes from Cargo.toml');
  // `version` right after `name`, where browsers' and stores' tools show it.
  const { manifest_version: manifestVersion, name: extName, ...rest } = source;
  const manifest = { manifest_version: manifestVersion, name: extName, version: releaseVersion(), ...rest };
  const id = extensionIdFromKey(manifest.key);
  if (id !== CHROMIUM_ID) {
    throw new Error(`manifest key gives id ${id}, expected ${CHROMIUM_ID}: update CHROMIUM_ID, manifests/ and host/src/install/`);
  }
  if (!existsSync(TLDTS_LICENSE)) throw new Error(`${TLDTS_LICENSE} is missing: run npm ci --prefix extension`);
  rmSync(outDir, { recursive: true, force: true });
  for (const variant of ['chromium', 'firefox']) {
    const out = join(outDir, variant);
    mkdirSync(out, { recursive: true });
    for (const f of STATIC) cpSync(join(src, f), join(out, f), { recursive: true });
    for (const [name, entry] of Object.entries(BUNDLES)) {
      buildSync({
        entryPoints: [join(src, entry)],
        outfile: join(out, name),
        bundle: true,
        format: 'iife',
        // service.js hands startBackground to background.js; the others only run.
        globalName: name === 'service.js' ? 'mynakeyService' : undefined,
        target: ['chrome116', 'firefox140'],
        charset: 'utf8',
        legalComments: 'none',
        logLevel: 'error',
        // Given only for the test build: any `conditions` replaces esbuild's default `module`.
        ...(test ? { conditions: [TEST_CONDITION, 'module'] } : {}),
      });
    }
    cpSync(TLDTS_LICENSE, join(out, 'tldts.LICENSE.txt'));
    for (const f of LICENSES) cpSync(f, join(out, basename(f)));
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  writeFileSync(join(outDir, 'firefox', 'manifest.json'), JSON.stringify(firefoxManifest(manifest), null, 2) + '\n');
  return { id, chromium: join(outDir, 'chromium'), firefox: join(outDir, 'firefox') };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const test = process.argv[2] === '--test';
  const outArg = process.argv[test ? 3 : 2];
  const r = build(outArg ? resolve(outArg) : test ? distTest : dist, { test });
  console.log(`chromium: ${r.chromium} (id ${r.id})\nfirefox:  ${r.firefox} (id ${GECKO_ID})`);
}
