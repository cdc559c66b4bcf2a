// The consent and PIN window is checked by axe-core (WCAG 2.1 A/AA rules) in both languages,
// for a login and for a signing request, while it asks for the PIN. axe runs through
// page.evaluate (DevTools), which the extension page's CSP does not block.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { clickIn, consentWindow, launch, openPage, pageResult, startRp } from './harness.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let rp;
before(async () => {
  rp = await startRp();
});
after(async () => {
  await rp?.close();
});

async function violations(win) {
  await win.evaluate(axeSource);
  const result = await win.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const lang of ['ja', 'en']) {
  for (const [path, button] of [['/login', '#login'], ['/sign', '#sign-documents']]) {
    test(`consent window for ${path} has no WCAG 2.1 AA violations (${lang})`, async () => {
      const b = await launch({ lang });
      try {
        const page = await openPage(b.context, rp.origin, path);
        const win = await consentWindow(b.context, () => page.click(button));
        assert.equal(await win.evaluate(() => document.documentElement.lang), lang);
        assert.deepEqual(await violations(win), []);
        // The PIN field has focus, so a keyboard user can type at once.
        assert.equal(await win.evaluate(() => document.activeElement && document.activeElement.id), 'pin');
        await clickIn(win, '#cancel');
        assert.equal((await pageResult(page)).body.code, 'USER_CANCELLED');
      } finally {
        await b.close();
      }
    });
  }
}
