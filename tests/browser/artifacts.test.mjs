// The store uploads (packaging/extension.sh): two builds give the same bytes, both carry the one
// release version and the licences, and the .xpi passes the validator addons.mozilla.org runs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { releaseVersion } from '../../extension/build.mjs';
import { repo, sleep, tempDir } from './harness.mjs';

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

test('the artifacts carry the release version, the licences, and pass addons-linter', () => {
  const out = tempDir('artifacts');
  try {
    execFileSync(script, [out], { stdio: 'ignore' });
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
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
