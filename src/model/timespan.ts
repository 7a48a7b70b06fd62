/**
 * systemd time spans (`RestartSec=`, `OnBootSec=`, `RandomizedDelaySec=`, …),
 * checked as systemd's `parse_sec` reads them: numbers (fractions allowed)
 * each with an optional unit, e.g. `90`, `500ms`, `1h 30min`, `1.5d`, or
 * `infinity`. Tests compare this with `systemd-analyze timespan`.
 *
 * @module
 */

const UNITS = [
  "seconds",
  "second",
  "sec",
  "s",
  "minutes",
  "minute",
  "min",
  "months",
  "month",
  "M",
  "msec",
  "ms",
  "m",
  "hours",
  "hour",
  "hr",
  "h",
  "days",
  "day",
  "d",
  "weeks",
  "week",
  "w",
  "years",
  "year",
  "y",
  "usec",
  "us",
  "µs",
  "μs",
  "nsec",
  "ns",
];

const PART = new RegExp(`^(\\d+)(?:\\.(\\d*))?\\s*(${UNITS.join("|")})?`);

/**
 * Whether `value` is a time span systemd accepts; a number is seconds.
 *
 * @example
 * ```ts
 * import { isTimespan } from "./timespan.ts";
 * isTimespan("1h 30min"); // true
 * isTimespan("soon"); // false
 * ```
 */
export function isTimespan(value: string | number): boolean {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0;
  let rest = value.trim();
  if (rest === "infinity") return true;
  if (rest === "") return false;
  while (rest !== "") {
    const match = PART.exec(rest);
    if (!match) return false;
    // A unit must end where a word ends: "5mins" is not "5min" + "s".
    const after = rest.slice(match[0].length);
    if (match[3] && /^[A-Za-zµμ]/.test(after)) return false;
    if (!match[3] && /^[A-Za-zµμ]/.test(after)) return false;
    rest = after.trimStart();
  }
  return true;
}

/**
 * A time span as systemd writes it in a unit: numbers as seconds, strings as given.
 *
 * @example
 * ```ts
 * import { timespanValue } from "./timespan.ts";
 * timespanValue(10); // "10"
 * ```
 */
export function timespanValue(value: string | number): string {
  return String(value);
}
