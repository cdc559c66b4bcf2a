// Login with mynakey, as a service's page would do it.
import * as mynakey from '/mynakey.js';

const result = document.getElementById('result');
const show = (state, text) => { result.dataset.state = state; result.textContent = text; };

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: r.status, body: await r.json() };
}

document.getElementById('login').addEventListener('click', async () => {
  show('busy', '…');
  try {
    // 1. A fresh challenge from the server, bound to this browser's session.
    const { body: { challenge } } = await post('/api/login/challenge');
    // 2. The extension asks for the PIN in its own window; the page gets only the proof.
    const token = await mynakey.authenticate({ challenge });
    // 3. The server checks the proof against its own origin and the challenge it stored.
    const r = await post('/api/login', { token });
    show(r.status === 200 ? 'ok' : 'error', JSON.stringify(r.body, null, 2));
  } catch (e) {
    // e.code is stable (USER_CANCELLED, PIN_BLOCKED, EXTENSION_UNAVAILABLE…); e.message is for people.
    show('error', JSON.stringify({ code: e.code, message: e.message, triesLeft: e.triesLeft }, null, 2));
  }
});
