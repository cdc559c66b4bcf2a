// The consent and PIN window: an extension page opened by the background for one page request.
//
// It shows who asks (the origin the browser reported), what is asked, what personal data leaves
// the card, the card state and tries left, and takes the PIN. The PIN goes to the background
// over a runtime port and nowhere else; the field is emptied as soon as it is sent.
//
// Nothing here acts on a stray keystroke: no button has the focus by default, and every button
// and Enter are ignored for 800 ms after the window appears or regains focus (gate.js).
import { PIN_RULES } from './generated/protocol.js';
import { createInputGate } from './gate.js';
import { watchWindow } from '#hooks';
import { normalisePin, pinWellFormed } from './rules.js';
import { WINDOW_TEXT } from './window-texts.js';
/** @import { CardView, FromWindow, PinKind, SiteParts, ToWindow } from './messages.js' */
/** @import { MessageKey } from './window-texts.js' */

(() => {
  const gate = createInputGate();
  // First thing: the test build notes when the script ran (the store build's hooks do nothing).
  const watch = watchWindow(gate.delayMs);
  const api = globalThis.browser ?? globalThis.chrome;
  /**
   * An element of consent.html, of the type the code relies on.
   * @template {HTMLElement} T
   * @param {string} id
   * @param {new () => T} type
   * @returns {T}
   */
  const $ = (id, type) => {
    const node = document.getElementById(id);
    if (!(node instanceof type)) throw new Error(`consent.html has no ${type.name} #${id}`);
    return node;
  };
  /**
   * A window text in the browser's language, with {placeholders} filled in.
   * @param {string} key
   * @param {Record<string, string | number>} [vars]
   */
  const t = (key, vars = {}) => {
    let s = api.i18n.getMessage(key) || key;
    for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };

  const el = {
    main: $('main', HTMLElement), origin: $('origin', HTMLElement), action: $('action', HTMLElement),
    actionDetail: $('action-detail', HTMLElement), site: $('site', HTMLElement), docsBox: $('documents-box', HTMLElement),
    docs: $('documents', HTMLOListElement), pd: $('personal-data', HTMLElement), status: $('status', HTMLElement),
    alert: $('alert', HTMLElement), form: $('form', HTMLFormElement), readerRow: $('reader-row', HTMLElement),
    reader: $('reader', HTMLSelectElement), pinRow: $('pin-row', HTMLElement), pinLabel: $('pin-label', HTMLElement),
    pin: $('pin', HTMLInputElement), showPin: $('show-pin', HTMLInputElement), pinHint: $('pin-hint', HTMLElement),
    tries: $('tries', HTMLElement), lastTry: $('last-try', HTMLElement), lastTryConfirm: $('last-try-confirm', HTMLInputElement),
    cancel: $('cancel', HTMLButtonElement), submit: $('submit', HTMLButtonElement), blocked: $('blocked', HTMLElement),
    blockedTitle: $('blocked-title', HTMLElement), close: $('close', HTMLButtonElement),
  };

  /** @type {{ action: string | null; pinKind: PinKind; needLastTry: boolean; busy: boolean; finished: boolean }} */
  const state = { action: null, pinKind: null, needLastTry: false, busy: false, finished: false };

  // ------------------------------------------------------------------ the input gate
  // The test build records when the gate armed and which inputs it ignored, for the browser
  // tests' timing checks on the window's own clock.

  /** @param {string} why */
  function arm(why) {
    const at = performance.now();
    gate.arm(at);
    watch.armed(why, at);
  }

  /** Stops an input that comes too soon after the window appeared or regained focus. */
  /** @param {Event} ev @param {string} input */
  function guard(ev, input) {
    const at = performance.now();
    if (gate.allows(at)) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    watch.ignored(input, at);
  }

  document.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') guard(ev, 'Enter'); }, true);
  document.addEventListener('click', (ev) => {
    if (ev.target instanceof Element && ev.target.closest('button, input[type="checkbox"]')) guard(ev, `click:${ev.target.id}`);
  }, true);
  document.addEventListener('submit', (ev) => guard(ev, 'submit'), true);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') arm('visible'); });
  window.addEventListener('focus', (ev) => { if (ev.target === window) arm('focus'); });

  document.documentElement.lang = t('lang');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n') ?? '');

  const flowId = new URLSearchParams(location.search).get('flow');
  const port = api.runtime.connect({ name: 'mynakey-consent' });
  port.onMessage.addListener((m) => { if (m && typeof m === 'object') onMessage(/** @type {ToWindow} */ (m)); });
  port.onDisconnect.addListener(() => {
    // The background ended the request (result, error, timeout). Keep the PIN-blocked advice open.
    if (!state.finished) window.close();
  });
  port.postMessage({ type: 'hello', flow: flowId });

  // ------------------------------------------------------------------ rendering

  /** @param {Extract<ToWindow, { type: 'init' }>} m */
  function render(m) {
    state.action = m.action;
    state.needLastTry = m.needLastTry === true;
    const shown = m.origin.startsWith('https://') ? m.origin.slice('https://'.length) : m.origin;
    showOrigin(m.origin, m.site);
    document.title = t('windowTitle', { origin: shown });

    if (m.action === 'authenticate') {
      el.action.textContent = t('actionLogin');
      el.actionDetail.textContent = t('actionLoginDetail');
      el.submit.textContent = t('buttonLogin');
    } else if (m.action === 'getSigningCertificate') {
      el.action.textContent = t('actionCertificate');
      el.actionDetail.textContent = t('actionCertificateDetail');
      el.submit.textContent = t('buttonContinue');
      el.pd.hidden = false;
    } else {
      const names = m.documentNames || [];
      el.action.textContent = t('actionSign', { n: names.length });
      el.actionDetail.textContent = t('actionSignDetail');
      el.docs.replaceChildren(...names.map((name, i) => {
        const li = document.createElement('li');
        li.textContent = name || t('unnamedDocument', { n: i + 1 });
        return li;
      }));
      el.docsBox.hidden = false;
      el.submit.textContent = t('buttonSign');
      el.pd.hidden = false;
    }
    setPinKind(m.pinKind);
    renderCard(m.card);
    showLastTry(state.needLastTry);
    // Shown only now: the page is laid out once, with the request in it (consent.html starts hidden).
    el.main.hidden = false;
    el.main.setAttribute('aria-busy', 'false');
    focusFirst();
    arm('shown');
  }

  /**
   * The origin with its registrable domain emphasised, and the domain once more on its own.
   * @param {string} origin
   * @param {SiteParts} parts the origin split by the background (siteParts)
   */
  function showOrigin(origin, { prefix, site, suffix }) {
    /** @param {string} tag @param {string} cls @param {string} text */
    const part = (tag, cls, text) => {
      const n = document.createElement(tag);
      n.className = cls;
      n.textContent = text;
      return n;
    };
    el.origin.replaceChildren(part('span', 'sub', prefix), part('strong', 'registrable', site), part('span', 'sub', suffix));
    el.origin.title = origin;
    el.site.textContent = t('siteLabel', { site });
  }

  /** @param {PinKind} kind */
  function setPinKind(kind) {
    state.pinKind = kind;
    el.pinRow.hidden = !kind;
    el.pin.value = '';
    if (kind === 'auth') {
      el.pinLabel.textContent = t('pinLabelAuth');
      el.pinHint.textContent = t('pinHintAuth');
      el.pin.inputMode = 'numeric';
      el.pin.maxLength = PIN_RULES.auth.maxLength;
      el.pin.classList.remove('upper');
    } else if (kind === 'sign') {
      el.pinLabel.textContent = t('pinLabelSign');
      el.pinHint.textContent = t('pinHintSign');
      el.pin.inputMode = 'text';
      el.pin.maxLength = PIN_RULES.sign.maxLength;
      el.pin.autocapitalize = 'characters';
      el.pin.classList.add('upper');
    } else {
      setStatus(t('confirmSign'));
    }
  }

  /** @param {CardView | null | undefined} card null: not read yet */
  function renderCard(card) {
    if (!state.pinKind) return;
    if (!card) {
      setStatus(t('cardChecking'));
      return;
    }
    const msg = {
      present: card.token === 'android'
        ? t('phoneReady', { reader: card.reader || '' })
        : card.reader ? t('cardReady', { reader: card.reader }) : t('cardInserted'),
      absent: t('cardWaiting'),
      busy: t('cardBusy'),
      noReader: t('noReader'),
      pcscUnavailable: t('pcscUnavailable'),
      notJpki: t('notJpki'),
      multiple: t('multipleCards'),
      noSigningCertificate: t('noSigningCertificate'),
    }[card.state];
    setStatus(msg || '');
    const readers = card.readers || [];
    el.readerRow.hidden = readers.length < 2;
    if (readers.length >= 2) {
      el.reader.replaceChildren(...readers.map((r) => new Option(r, r, false, r === card.reader)));
      if (!card.reader) el.reader.selectedIndex = -1;
    }
    setTries(card.triesLeft);
  }

  /** @param {number | null | undefined} n */
  function setTries(n) {
    el.tries.textContent = typeof n === 'number' ? t('triesLeft', { n }) : '';
  }

  /** @param {string} text */
  function setStatus(text) {
    el.status.textContent = text;
  }

  /** @param {string} text */
  function setAlert(text) {
    el.alert.textContent = text || '';
    el.alert.hidden = !text;
  }

  /** @param {boolean} on */
  function showLastTry(on) {
    el.lastTry.hidden = !on || !state.pinKind;
    if (!on) el.lastTryConfirm.checked = false;
  }

  /** @param {boolean} on */
  function setBusy(on) {
    state.busy = on;
    el.pin.disabled = on;
    el.submit.disabled = on;
    el.reader.disabled = on;
    el.lastTryConfirm.disabled = on;
    el.main.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  /** The PIN field, else the heading of what is asked: never a button, so Enter alone does nothing. */
  function focusFirst() {
    if (state.pinKind && !el.pinRow.hidden) el.pin.focus();
    else el.action.focus();
  }

  // ------------------------------------------------------------------ messages from the background

  /** @param {ToWindow} m */
  function onMessage(m) {
    switch (m.type) {
      case 'init':
        watch.init(m);
        render(m);
        watch.rendered();
        break;
      case 'card':
        state.needLastTry = m.needLastTry === true;
        if (!state.busy) {
          renderCard(m.card);
          showLastTry(state.needLastTry);
        }
        break;
      case 'busy':
        setBusy(true);
        setAlert('');
        setStatus(t('working'));
        break;
      case 'progress':
        if (m.event === 'waitingForCard') setStatus(t('cardWaiting'));
        else if (m.event === 'cardInserted') setStatus(t('working'));
        break;
      case 'retry':
        onRetry(m);
        break;
      case 'lastTry':
        setBusy(false);
        state.needLastTry = true;
        setTries(m.unknown ? null : 1);
        showLastTry(true);
        setAlert(t(m.unknown ? 'triesUnknownWarning' : 'lastTryWarning'));
        el.lastTryConfirm.focus();
        break;
      case 'needPin':
        setBusy(false);
        setPinKind(m.pinKind);
        setAlert(t('holdExpired'));
        focusFirst();
        break;
      case 'blocked':
        state.finished = true;
        el.form.hidden = true;
        el.status.hidden = true;
        el.alert.hidden = true;
        el.blocked.hidden = false;
        el.main.setAttribute('aria-busy', 'false');
        el.blockedTitle.focus();
        break;
      case 'gone':
        window.close();
        break;
      default:
        break;
    }
  }

  /** @param {Extract<ToWindow, { type: 'retry' }>} m */
  function onRetry(m) {
    setBusy(false);
    const sign = state.pinKind === 'sign';
    const text = m.code === 'PIN_FORMAT' ? (sign ? t('pinFormatSign') : t('pinFormatAuth'))
      : m.code === 'PIN_INCORRECT' ? t(sign ? 'pinIncorrectSign' : 'pinIncorrectAuth', { n: m.triesLeft ?? '' })
        : m.code === 'CARD_BUSY' && m.reason === 'request' ? t('cardBusyRequest')
          : t(WINDOW_TEXT[m.code] ?? 'errorGeneric', { code: m.code });
    setAlert(text);
    if (typeof m.triesLeft === 'number') setTries(m.triesLeft);
    if (m.card) renderCard(m.card);
    if (m.needLastTry) {
      state.needLastTry = true;
      showLastTry(true);
    }
    if (m.code === 'PIN_FORMAT' || m.code === 'PIN_INCORRECT') el.pin.setAttribute('aria-invalid', 'true');
    focusFirst();
  }

  // ------------------------------------------------------------------ input

  el.pin.addEventListener('input', () => {
    el.pin.setAttribute('aria-invalid', 'false');
    // Shown as the card will receive it (the signing password upper-cased), as it is typed.
    if (state.pinKind && PIN_RULES[state.pinKind].upperCase) {
      const { selectionStart: s, selectionEnd: e } = el.pin;
      el.pin.value = normalisePin(state.pinKind, el.pin.value);
      el.pin.setSelectionRange(s, e);
    }
  });

  el.showPin.addEventListener('change', () => {
    el.pin.type = el.showPin.checked ? 'text' : 'password';
    el.pin.focus();
  });

  el.reader.addEventListener('change', () => port.postMessage({ type: 'reader', reader: el.reader.value }));

  el.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    watch.submitted();
    if (state.busy || state.finished) return;
    const pin = state.pinKind ? el.pin.value : '';
    if (!pinWellFormed(state.pinKind, pin)) {
      // A malformed PIN never leaves this window, so it never costs a try.
      setAlert(state.pinKind === 'sign' ? t('pinFormatSign') : t('pinFormatAuth'));
      el.pin.setAttribute('aria-invalid', 'true');
      el.pin.focus();
      return;
    }
    if (state.pinKind && state.needLastTry && !el.lastTryConfirm.checked) {
      setAlert(t('lastTryRequired'));
      showLastTry(true);
      el.lastTryConfirm.focus();
      return;
    }
    /** @type {Extract<FromWindow, { type: 'submit' }>} */
    const msg = { type: 'submit', allowLastTry: state.needLastTry && el.lastTryConfirm.checked };
    // As shown (normalised while typed); the flow applies the same rule before the host request.
    if (state.pinKind) msg.pin = pin;
    el.pin.value = '';
    port.postMessage(msg);
    msg.pin = '';
    setBusy(true);
    setStatus(t('working'));
  });

  function cancel() {
    if (state.finished) {
      window.close();
      return;
    }
    try { port.postMessage({ type: 'cancel' }); } catch { window.close(); }
  }

  el.cancel.addEventListener('click', cancel);
  el.close.addEventListener('click', () => window.close());
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      cancel();
    }
  });
})();
