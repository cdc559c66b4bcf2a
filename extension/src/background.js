// mynakey background: the only part of the extension that talks to the native host.
//
// Chromium runs this file as the MV3 service worker, Firefox as an event page
// (background.scripts, which loads service.js first). service.js is built from src/service.js and
// what it imports (one bundle); this file only hands it the browser's API.
'use strict';
if (typeof importScripts === 'function' && !globalThis.mynakeyService) importScripts('service.js');
globalThis.mynakeyService.startBackground(globalThis.browser ?? globalThis.chrome);
