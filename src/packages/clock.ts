/**
 * Time as the Repology client and cache see it, injectable so tests neither wait out the rate
 * limit nor depend on the machine's speed.
 *
 * @module
 */

/** A clock: the current time in milliseconds and a way to wait. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The real clock.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * await systemClock.sleep(10);
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
