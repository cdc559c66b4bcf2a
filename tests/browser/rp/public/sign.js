// Document signing with mynakey, as a service's page would do it.
import * as mynakey from '/mynakey.js';

const result = document.getElementById('result');
const show = (state, text) => { result.dataset.state = state; result.textContent = text; };
const showError = (e) => show('error', JSON.stringify({ code: e.code, message: e.message, triesLeft: e.triesLeft }, null, 2));

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: r.status, body: await r.json() };
}

// N documents, one password entry: the server fixes the documents and their hashes.
document.getElementById('sign-documents').addEventListener('click', async () => {
  show('busy', '…');
  try {
    const { body: { hashAlgorithm, documents } } = await post('/api/sign/documents');
    const { certificate, signatures } = await mynakey.sign({
      hashAlgorithm,
      hashes: documents.map((d) => d.hash),
      documentNames: documents.map((d) => d.name),
    });
    const r = await post('/api/sign', { certificate, signatures });
    show(r.status === 200 ? 'ok' : 'error', JSON.stringify(r.body, null, 2));
  } catch (e) {
    showError(e);
  }
});

// Certificate first: the signed attributes contain the certificate's hash, so the server needs
// the certificate before it can say what to sign. Still one password entry.
document.getElementById('sign-certificate-first').addEventListener('click', async () => {
  show('busy', '…');
  try {
    const { certificate } = await mynakey.getSigningCertificate();
    const { body: { hashAlgorithm, hash, documentName } } = await post('/api/sign/attributes', { certificate });
    const { signatures } = await mynakey.sign({ hashAlgorithm, hashes: [hash], certificate, documentNames: [documentName] });
    const r = await post('/api/sign/attributes/complete', { certificate, signature: signatures[0] });
    show(r.status === 200 ? 'ok' : 'error', JSON.stringify(r.body, null, 2));
  } catch (e) {
    showError(e);
  }
});
