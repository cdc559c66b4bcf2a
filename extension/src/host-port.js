// The native host connection: one port = one mynakey-host process. Requests are matched to
// answers by id; progress events go to the request's listener; when the process goes away every
// pending request fails with HOST_UNAVAILABLE and the owner is told once (onExit).
import { PROTOCOL_VERSION } from './generated/protocol.js';
import { FlowError } from './errors.js';
/** @import { HostCommand, HostErrorCode, ProgressEvent, VersionResult } from './generated/protocol.js' */
/** @import { Clock, Port } from './browser-api.js' */

export const HOST_NAME = 'jp.mynakey.host';
export const HANDSHAKE_MS = 5000; // version answer from the host, else HOST_UNAVAILABLE

/**
 * @typedef {object} HostRequest
 * @property {number} id
 * @property {Promise<any>} done settles with the result or a FlowError
 */

/** @typedef {{ resolve: (v: any) => void; reject: (e: FlowError) => void; onEvent?: (e: ProgressEvent) => void }} Pending */

export class HostPort {
  /**
   * @param {() => Port} connect opens the native port (runtime.connectNative)
   * @param {Clock} clock
   * @param {() => string | undefined} lastError Chromium's runtime.lastError message, read on disconnect
   */
  constructor(connect, clock, lastError = () => undefined) {
    this.clock = clock;
    this.nextId = 1;
    /** @type {Map<number, Pending>} */
    this.pending = new Map();
    /** @type {string | null} why the port is closed; null while it is open */
    this.closedBecause = null;
    /** @type {((reason: string) => void) | null} told once when the host goes away by itself */
    this.onExit = null;
    /** @type {Port | null} */
    this.port = null;
    try {
      this.port = connect();
    } catch (e) {
      this.closedBecause = String((e instanceof Error && e.message) || e);
      return;
    }
    this.port.onMessage.addListener((msg) => this.receive(msg));
    this.port.onDisconnect.addListener((p) => {
      // Chromium reports why in runtime.lastError (read it here or it is lost), Firefox in port.error.
      this.exited(lastError() || p.error?.message || 'Native host has exited.');
    });
  }

  get closed() {
    return this.closedBecause !== null;
  }

  /** @param {string} reason */
  exited(reason) {
    if (this.closed) return;
    this.closedBecause = reason;
    this.rejectAll(new FlowError('HOST_UNAVAILABLE', { reason }));
    this.onExit?.(reason);
  }

  /** @param {FlowError} error */
  rejectAll(error) {
    for (const r of this.pending.values()) r.reject(error);
    this.pending.clear();
  }

  /** @param {unknown} msg */
  receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    const m = /** @type {{ id?: unknown; event?: unknown; error?: unknown; result?: unknown }} */ (msg);
    const r = typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
    if (!r) return; // an answer to a request already given up (cancelled, timed out)
    if (typeof m.event === 'string') {
      r.onEvent?.(/** @type {ProgressEvent} */ (m));
      return;
    }
    this.pending.delete(/** @type {number} */ (m.id));
    if (m.error && typeof m.error === 'object') {
      const { code, message, ...details } = /** @type {{ code?: unknown; message?: unknown }} */ (m.error);
      const known = typeof code === 'string' ? /** @type {HostErrorCode} */ (code) : 'INTERNAL';
      r.reject(new FlowError(known, { ...details, hostMessage: message }));
    } else {
      r.resolve(m.result ?? {});
    }
  }

  /**
   * Sends one request.
   * @param {HostCommand} command
   * @param {object} [args]
   * @param {(e: ProgressEvent) => void} [onEvent]
   * @returns {HostRequest}
   */
  send(command, args = {}, onEvent) {
    const id = this.nextId++;
    const done = new Promise((resolve, reject) => {
      if (this.closed || !this.port) {
        reject(new FlowError('HOST_UNAVAILABLE', { reason: this.closedBecause }));
        return;
      }
      this.pending.set(id, { resolve, reject, onEvent });
      try {
        this.port.postMessage({ id, command, arguments: args });
      } catch (e) {
        this.pending.delete(id);
        reject(new FlowError('HOST_UNAVAILABLE', { reason: String((e instanceof Error && e.message) || e) }));
      }
    });
    return { id, done };
  }

  /**
   * The version handshake: the host must answer within HANDSHAKE_MS and speak our protocol.
   * @returns {Promise<VersionResult>}
   */
  async handshake() {
    /** @type {VersionResult} */
    const v = await withTimeout(this.send('version').done, HANDSHAKE_MS, this.clock,
      () => new FlowError('HOST_UNAVAILABLE', { reason: 'no answer to version' }));
    if (v.protocol !== PROTOCOL_VERSION) {
      throw new FlowError('HOST_UNAVAILABLE', { reason: 'protocol', hostVersion: v.version, hostProtocol: v.protocol });
    }
    return v;
  }

  /** Ends the host process (EOF on its stdin); pending requests fail with CANCELLED. */
  close() {
    if (this.closed) return;
    this.closedBecause = 'closed by the extension';
    this.rejectAll(new FlowError('CANCELLED'));
    try { this.port?.disconnect(); } catch { /* already gone */ }
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {Clock} clock
 * @param {() => Error} makeError
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms, clock, makeError) {
  /** @type {unknown} */
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = clock.setTimeout(() => reject(makeError()), ms); }),
  ]).finally(() => clock.clearTimeout(timer));
}
