// The store uploads (packaging/extension.sh): two builds give the same bytes, both carry the one
// release version and the licences, the .xpi passes the validator addons.mozilla.org runs, and
// neither carries the test build's hooks.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';

import { releaseVersion } from '../../extension/build.mjs';
import { extensionBuild, repo, sleep, tempDir } from './harness.mjs';

const script = join(repo, 'packaging/extension.sh');
const ARTIFACTS = ['mynakey-chromium.zip', 'mynakey-firefox.xpi'];
const unzip = (...args) => execFileSync('unzip', args, { encoding: 'utf8', maxBuffer: 1 << 24 });

test('two builds of the extension artifacts are byte for byte the same', async () => {
  const [a, b] = [tempDir('artifacts-a'), tempDir('artifacts-b')];
  try {
    execFileSync(script, [a], { stdio: 'ignore' });
    // The second build at another time and with another umask: neither may reach the bytes.
    await sleep(1100);
    execFileSync('sh', ['-c', 'umask 077 && exec "$0" "$1"', script, b], { stdio: 'ignore' });
    for (const f of ARTIFACTS) {
      const [x, y] = [readFileSync(join(a, f)), readFileSync(join(b, f))];
      assert.ok(x.length > 10000, `${f} is a real archive`);
      assert.ok(x.equals(y), `${f} differs between two builds`);
    }
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

/** The store artifacts, built once for the tests below. */
let out;
before(() => {
  out = tempDir('artifacts');
  execFileSync(script, [out], { stdio: 'ignore' });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('the artifacts carry the release version, the licences, and pass addons-linter', () => {
  const version = releaseVersion();
  for (const f of ARTIFACTS) {
    const path = join(out, f);
    const names = unzip('-Z1', path).trim().split('\n');
    for (const n of ['manifest.json', 'LICENSE-MIT', 'LICENSE-APACHE', 'background.js', 'service.js', 'tldts.LICENSE.txt']) assert.ok(names.includes(n), `${f}: ${n}`);
    const manifest = JSON.parse(unzip('-p', path, 'manifest.json'));
    assert.equal(manifest.version, version, `${f}: version`);
    assert.equal(unzip('-p', path, 'LICENSE-MIT'), readFileSync(join(repo, 'LICENSE-MIT'), 'utf8'));
  }
  const linter = join(repo, 'tests/browser/node_modules/.bin/addons-linter');
  const r = spawnSync(linter, ['--output', 'json', join(out, 'mynakey-firefox.xpi')], { encoding: 'utf8' });
  const report = JSON.parse(r.stdout);
  assert.deepEqual([...report.errors, ...report.warnings].map((m) => `${m.code}: ${m.message}`), []);
});

/**
 * What only the test build may hold (extension/src/test-hooks.js): the window's timeline and
 * input-gate record, the timeline the flow sends the window, and the module itself (esbuild names
 * each bundled module in a comment).
 */
const TEST_HOOKS = [/mynakeyTimeline/, /mynakeyGateLog/, /timeline/i, /test-hooks/];

/** The needles found in `files` ([name, bytes]), as `name: needle`. */
const hooksIn = (files) => files.flatMap(([name, bytes]) =>
  TEST_HOOKS.filter((re) => re.test(bytes.toString('latin1'))).map((re) => `${name}: ${re.source}`));

/** Every file under `dir`, as [path, bytes]. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map((n) => join(dir, n)).filter((p) => statSync(p).isFile())
    .map((p) => [relative(dir, p), readFileSync(p)]);
}

test('no file in the store artifacts holds a test hook; the test build has each of them', () => {
  for (const f of ARTIFACTS) {
    const path = join(out, f);
    const names = unzip('-Z1', path).trim().split('\n').filter((n) => !n.endsWith('/'));
    assert.ok(names.includes('consent.js') && names.includes('service.js'), `${f}: the bundles are there to search`);
    const files = names.map((n) => [`${f}/${n}`, execFileSync('unzip', ['-p', path, n], { maxBuffer: 1 << 24 })]);
    assert.deepEqual(hooksIn(files), [], `${f} carries test hooks`);
  }
  // The same search finds every needle in the test build the browser tests load, so it can fail.
  for (const variant of ['chromium', 'firefox']) {
    const found = hooksIn(filesUnder(extensionBuild()[variant])).map((s) => s.split(': ')[1]);
    for (const re of TEST_HOOKS) assert.ok(found.includes(re.source), `${variant} test build: ${re.source}`);
  }
});
