// The empty page's marks (epoch ms, as the project's consent.js takes them): when its document
// started (timeOrigin), when this script ran, and a task after the first animation frame.
'use strict';
{
  const api = globalThis.browser ?? globalThis.chrome;
  const epoch = () => performance.timeOrigin + performance.now();
  const run = new URLSearchParams(location.search).get('run');
  const scriptAt = epoch();
  requestAnimationFrame(() => setTimeout(() => {
    api.runtime.sendMessage({ kind: 'page', run, timeOrigin: performance.timeOrigin, scriptAt, paintAt: epoch() });
  }, 0));
}
