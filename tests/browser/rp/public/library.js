// For the browser tests only: the page library on window, so tests can call it directly.
import * as mynakey from '/mynakey.js';

window.mynakey = mynakey;
window.mynakeyReady = true;
