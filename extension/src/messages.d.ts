// Messages between the background and the consent window (over the 'mynakey-consent' port) and
// between the content script and the background (over 'mynakey-page').
import type { HostErrorCode, TokenKind } from './generated/protocol.js';

/** What the window shows about readers and cards (from the host's status or prepare, never given to pages). */
export interface CardView {
  state: 'pcscUnavailable' | 'noReader' | 'notJpki' | 'absent' | 'busy' | 'present' | 'multiple' | 'noSigningCertificate';
  readers?: string[];
  reader?: string | null;
  triesLeft?: number | null;
  /** 'android': a smartphone certificate on a contactless reader (the host's `tokenKind`). */
  token?: TokenKind;
}

/** An origin split for display (site.js): the registrable domain `site` is emphasised. */
export interface SiteParts {
  prefix: string;
  site: string;
  suffix: string;
}

/** Which secret the window asks for: none when a held signing session continues. */
export type PinKind = 'auth' | 'sign' | null;

export type PageAction = 'status' | 'authenticate' | 'getSigningCertificate' | 'sign';

export type ToWindow =
  | {
      type: 'init';
      origin: string;
      site: SiteParts;
      action: PageAction;
      pinKind: PinKind;
      documentNames: (string | null)[] | null;
      card: CardView | null;
      needLastTry: boolean;
      /** The test build only (test-hooks.js): when the background's steps happened (epoch ms: start, hostReady, cardRead, windowCreated, windowConnected). */
      timeline?: Record<string, number>;
    }
  | { type: 'card'; card: CardView | null; needLastTry: boolean }
  | { type: 'busy' }
  | { type: 'progress'; event: string }
  | { type: 'retry'; code: HostErrorCode; triesLeft?: number; needLastTry?: boolean; reason?: 'request'; card?: CardView | null }
  | { type: 'lastTry'; unknown?: boolean }
  | { type: 'needPin'; pinKind: 'sign' }
  | { type: 'blocked' }
  | { type: 'gone' };

export type FromWindow =
  | { type: 'hello'; flow: string | null }
  | { type: 'submit'; pin?: string; allowLastTry?: boolean }
  | { type: 'cancel' }
  | { type: 'reader'; reader: string };

/** The page's request as the content script forwards it. */
export interface PageRequest {
  action: string;
  args: unknown;
  gesture: boolean;
}

/** The one answer a page gets. */
export type PageAnswer = { result: unknown } | { error: { code: string; [detail: string]: unknown } };
