/**
 * The one duration grammar of hostkit's flags and config options: a decimal number of ASCII
 * digits, then a unit (`ms`, `s`, `m` or `min`, `h`, `d`) or none (seconds): `90s`, `500ms`,
 * `1.5m`, `2d`, `0`. No sign, exponent, space inside or other digits, so what a user reads
 * is what hostkit waits. Each caller sets its own bounds and names itself in its error.
 *
 * @module
 */

/** Milliseconds per unit. `m` is minutes, as in systemd (never months). */
export const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|min|m|h|d)?$/;

/**
 * `text` (surrounding whitespace ignored) in milliseconds, or undefined when it is not a
 * duration. Never negative or NaN; Infinity only for digits beyond a double, which every
 * caller's upper bound refuses.
 *
 * @example
 * ```ts
 * import { parseDurationMs } from "./duration.ts";
 * parseDurationMs("1.5m"); // 90000
 * parseDurationMs("90"); // 90000 (seconds)
 * parseDurationMs("-5s"); // undefined
 * ```
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const unit = DURATION_UNITS[match[2] ?? "s"];
  // Via seconds written with an exponent, so "1.1s" is exactly 1100 (1.1 * 1000 is not).
  return unit === 1 ? Number(match[1]) : Number(`${match[1]}e3`) * (unit / 1000);
}
