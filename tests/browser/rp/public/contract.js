// A PDF contract signed with mynakey (PAdES): certificate first, the server prepares the PDF and
// says which one hash to sign, the card signs it (one password entry), the server finishes. With a
// time-stamping authority configured, the server also offers the long-term PDF (PAdES B-LTA).
import * as mynakey from '/mynakey.js';

const result = document.getElementById('result');
const show = (state, text) => { result.dataset.state = state; result.textContent = text; };

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: r.status, body: await r.json() };
}

document.getElementById('sign-contract').addEventListener('click', async () => {
  show('busy', '…');
  try {
    const { certificate } = await mynakey.getSigningCertificate();
    const prepared = await post('/api/contract/prepare', { certificate });
    if (prepared.status !== 200) return show('error', JSON.stringify(prepared.body, null, 2));
    const { hashAlgorithm, hash, documentName } = prepared.body;
    const { signatures } = await mynakey.sign({ hashAlgorithm, hashes: [hash], certificate, documentNames: [documentName] });
    const r = await post('/api/contract/finish', { certificate, signature: signatures[0] });
    document.getElementById('download').hidden = r.status !== 200;
    document.getElementById('long-term').hidden = !(r.status === 200 && r.body.longTerm);
    show(r.status === 200 ? 'ok' : 'error', JSON.stringify(r.body, null, 2));
  } catch (e) {
    show('error', JSON.stringify({ code: e.code, message: e.message }, null, 2));
  }
});
