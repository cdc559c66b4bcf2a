// What the browser tests and the browser benchmark watch, as the store build has it: nothing.
// The store artifacts bundle these empty hooks; the test build (`node build.mjs --test`) bundles
// test-hooks.js in their place, which records when each step happened and what the input gate
// did. A hook only watches: nothing the window or the flow does may depend on it.
/** @import { ToWindow } from './messages.js' */

/**
 * The consent window's hooks (consent.js).
 * @typedef {{
 *   armed(why: string, at: number): void;
 *   ignored(input: string, at: number): void;
 *   init(message: Extract<ToWindow, { type: 'init' }>): void;
 *   rendered(): void;
 *   submitted(): void;
 * }} WindowWatch
 */

/**
 * The background flow's hooks (flow.js): `step` notes a step each time, `firstStep` only once;
 * `forWindow` gives the fields the window's `init` carries for the test build.
 * @typedef {{
 *   step(name: string): void;
 *   firstStep(name: string): void;
 *   forWindow(): Partial<Extract<ToWindow, { type: 'init' }>>;
 * }} FlowWatch
 */

const nothing = () => {};

/**
 * Called first thing in the window's script, with its input gate's delay.
 * @param {number} _gateDelayMs
 * @returns {WindowWatch}
 */
export function watchWindow(_gateDelayMs) {
  return { armed: nothing, ignored: nothing, init: nothing, rendered: nothing, submitted: nothing };
}

/** Called once per request flow. @returns {FlowWatch} */
export function watchFlow() {
  return { step: nothing, firstStep: nothing, forWindow: () => ({}) };
}
