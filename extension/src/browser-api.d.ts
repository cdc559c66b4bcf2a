// The part of the WebExtension API that the background uses, typed once: the real `chrome` /
// `browser` object satisfies it, and the unit tests' fakes implement exactly this.

export interface Event<F extends (...args: never[]) => unknown> {
  addListener(listener: F): void;
  removeListener(listener: F): void;
}

export interface MessageSender {
  tab?: { id?: number };
  frameId?: number;
  origin?: string;
  url?: string;
}

/** A runtime or native-messaging port. */
export interface Port {
  name: string;
  sender?: MessageSender;
  error?: { message?: string } | null;
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: Event<(message: unknown, port: Port) => void>;
  onDisconnect: Event<(port: Port) => void>;
}

export interface BrowserWindow {
  id?: number;
}

export interface BrowserApi {
  runtime: {
    connectNative(application: string): Port;
    getURL(path: string): string;
    getManifest(): { version: string };
    lastError?: { message?: string } | null;
    onConnect: Event<(port: Port) => void>;
  };
  windows: {
    create(options: { url: string; type: 'popup'; width: number; height: number; focused: boolean }): Promise<BrowserWindow>;
    get(windowId: number): Promise<BrowserWindow>;
    remove(windowId: number): Promise<void>;
    onRemoved: Event<(windowId: number) => void>;
  };
  tabs: {
    onRemoved: Event<(tabId: number) => void>;
  };
}

/** Timers, injected so the unit tests run minutes of flow in milliseconds. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the extension's own pages and the content script use. */
export interface PagesApi {
  runtime: { connect(info: { name: string }): Port };
  i18n: { getMessage(key: string): string };
}
