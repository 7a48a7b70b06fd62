/**
 * systemd calendar expressions (`OnCalendar=`), checked as systemd 252 parses
 * them, so a bad schedule is refused when the config loads instead of when
 * the timer is started on a host. Also the typed builders the timer words use
 * (`daily`, `weekly`, `monthly`) and calendar aliases (`hour` → `hourly`).
 *
 * Grammar (systemd.time(7)): a shorthand (`minutely` … `semiannually`), or
 * `[WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [TIMEZONE]`, or
 * `@EPOCH`. Each numeric part is `*` or a comma list of `N`, `N..M`, `N/R`,
 * `N..M/R`; `~` counts days from the end of the month; seconds take a
 * fraction. Tests compare this parser with `systemd-analyze calendar`.
 *
 * @module
 */

/** The result of checking a calendar expression. */
export type CalendarCheck = { ok: true } | { ok: false; reason: string };

const SHORTHANDS = new Set([
  "minutely",
  "hourly",
  "daily",
  "monthly",
  "weekly",
  "yearly",
  "annually",
  "anually",
  "quarterly",
  "semiannually",
  "semi-annually",
  "biannually",
  "bi-annually",
]);

/** Weekday names, longer spellings first so `Monday` is not read as `Mon` + `day`. */
const WEEKDAYS: readonly [string, number][] = [
  ["monday", 0],
  ["mon", 0],
  ["tuesday", 1],
  ["tue", 1],
  ["wednesday", 2],
  ["wed", 2],
  ["thursday", 3],
  ["thu", 3],
  ["friday", 4],
  ["fri", 4],
  ["saturday", 5],
  ["sat", 5],
  ["sunday", 6],
  ["sun", 6],
];

const USEC_PER_SEC = 1_000_000;
const INT_MAX = 2 ** 31 - 1;

interface Component {
  start: number;
  stop: number;
  repeat: number;
}

class Invalid extends Error {}

/** A cursor over the expression being parsed. */
class Cursor {
  constructor(readonly text: string, public at = 0) {}
  get char(): string {
    return this.text[this.at] ?? "";
  }
  peek(offset: number): string {
    return this.text[this.at + offset] ?? "";
  }
  get done(): boolean {
    return this.at >= this.text.length;
  }
  skipSpaces(): void {
    while (this.char === " ") this.at++;
  }
}

/**
 * Checks a calendar expression as systemd would parse it.
 *
 * @example
 * ```ts
 * import { checkCalendar } from "./calendar.ts";
 * checkCalendar("Mon..Fri *-*-* 02:30:00"); // { ok: true }
 * checkCalendar("*-*-* 25:00"); // { ok: false, reason: "hour 25 is out of range 0..23" }
 * ```
 */
export function checkCalendar(expression: string, timeZones = knownTimeZones()): CalendarCheck {
  try {
    parseCalendar(expression, timeZones);
    return { ok: true };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, reason: error.message };
    throw error;
  }
}

function parseCalendar(expression: string, timeZones: ReadonlySet<string>): void {
  let text = expression;
  if (text === "") throw new Invalid("it is empty");
  if (/ utc$/i.test(text)) text = text.slice(0, -4);
  else {
    const space = text.lastIndexOf(" ");
    if (space >= 0 && timeZones.has(text.slice(space + 1))) text = text.slice(0, space);
  }
  if (text === "") throw new Invalid("it has a time zone and nothing else");
  if (SHORTHANDS.has(text.toLowerCase())) return;
  const cursor = new Cursor(text);
  const spec: Record<string, Component[] | undefined> = {};
  parseWeekdays(cursor);
  let endOfMonth = false;
  const date = parseDate(cursor, spec);
  if (date === "epoch") {
    if (!cursor.done) {
      throw new Invalid(`unexpected ${JSON.stringify(cursor.text.slice(cursor.at))}`);
    }
    return;
  }
  endOfMonth = date === "end_of_month";
  parseTime(cursor, spec);
  if (!cursor.done) throw new Invalid(`unexpected ${JSON.stringify(cursor.text.slice(cursor.at))}`);
  fixYear(spec.year);
  checkChain("year", spec.year, 1970, 2199, false);
  checkChain("month", spec.month, 1, 12, false);
  checkChain("day", spec.day, 1, 31, endOfMonth && spec.day !== undefined);
  checkChain("hour", spec.hour, 0, 23, false);
  checkChain("minute", spec.minute, 0, 59, false);
  checkChain("second", spec.second, 0, 60 * USEC_PER_SEC - 1, false, USEC_PER_SEC);
}

function parseWeekdays(cursor: Cursor): void {
  let rangeStart = -1;
  let first = true;
  for (;;) {
    const rest = cursor.text.slice(cursor.at).toLowerCase();
    const match = WEEKDAYS.find(([name]) => rest.startsWith(name));
    if (!match) {
      if (first) return;
      throw new Invalid(`a weekday is expected at ${JSON.stringify(cursor.text.slice(cursor.at))}`);
    }
    const [name, day] = match;
    if (!["", "-", ".", ",", " "].includes(cursor.peek(name.length))) {
      throw new Invalid(`unknown weekday at ${JSON.stringify(cursor.text.slice(cursor.at))}`);
    }
    if (rangeStart >= 0 && rangeStart > day) {
      throw new Invalid("a weekday range must run forward (e.g. Mon..Fri)");
    }
    cursor.at += name.length;
    if (cursor.done) return;
    if (cursor.char === " ") {
      cursor.skipSpaces();
      return;
    }
    if (cursor.char === ".") {
      if (rangeStart >= 0 || cursor.peek(1) !== ".") throw new Invalid("a bad weekday range");
      rangeStart = day;
      cursor.at += 2;
    } else if (cursor.char === "-") {
      if (rangeStart >= 0) throw new Invalid("a bad weekday range");
      rangeStart = day;
      cursor.at += 1;
    } else if (cursor.char === ",") {
      rangeStart = -1;
      cursor.at += 1;
    }
    if (cursor.done || cursor.char === " ") {
      cursor.skipSpaces();
      if (rangeStart >= 0) throw new Invalid("a weekday range has no end");
      return;
    }
    first = false;
  }
}

/** Parses `[YEAR-]MONTH-DAY` or `@EPOCH`; leaves the cursor alone when a time comes first. */
function parseDate(
  cursor: Cursor,
  spec: Record<string, Component[] | undefined>,
): "date" | "none" | "end_of_month" | "epoch" {
  if (cursor.done) return "none";
  if (cursor.char === "@") {
    const digits = /^\d+/.exec(cursor.text.slice(cursor.at + 1))?.[0];
    if (!digits) throw new Invalid("@ must be followed by seconds since the epoch");
    cursor.at += 1 + digits.length;
    const year = new Date(Number(digits) * 1000).getUTCFullYear();
    if (!(year >= 1970 && year <= 2199)) {
      throw new Invalid(`year ${year} is out of range 1970..2199`);
    }
    return "epoch";
  }
  const probe = new Cursor(cursor.text, cursor.at);
  const first = parseChain(probe, false);
  if (probe.done || probe.char === ":") return "none";
  let endOfMonth = probe.char === "~";
  if (!endOfMonth && probe.char !== "-") {
    throw new Invalid(`unexpected ${JSON.stringify(probe.char)} in the date`);
  }
  probe.at++;
  const second = parseChain(probe, false);
  if (probe.done || probe.char === " ") {
    probe.skipSpaces();
    cursor.at = probe.at;
    spec.month = first;
    spec.day = second;
    return endOfMonth ? "end_of_month" : "date";
  }
  if (endOfMonth) throw new Invalid("~ may only separate the month and the day");
  endOfMonth = probe.char === "~";
  if (!endOfMonth && probe.char !== "-") {
    throw new Invalid(`unexpected ${JSON.stringify(probe.char)} in the date`);
  }
  probe.at++;
  const third = parseChain(probe, false);
  if (!(probe.done || probe.char === " ")) {
    throw new Invalid(`unexpected ${JSON.stringify(probe.char)} after the date`);
  }
  probe.skipSpaces();
  cursor.at = probe.at;
  spec.year = first;
  spec.month = second;
  spec.day = third;
  return endOfMonth ? "end_of_month" : "date";
}

function parseTime(cursor: Cursor, spec: Record<string, Component[] | undefined>): void {
  if (cursor.done) return;
  spec.hour = parseChain(cursor, false);
  if (cursor.char !== ":") throw new Invalid("a time needs HOUR:MINUTE");
  cursor.at++;
  spec.minute = parseChain(cursor, false);
  if (cursor.done) return;
  if (cursor.char !== ":") {
    throw new Invalid(`unexpected ${JSON.stringify(cursor.char)} in the time`);
  }
  cursor.at++;
  spec.second = parseChain(cursor, true);
}

/** `*` (undefined: any) or a comma list of components. */
function parseChain(cursor: Cursor, usec: boolean): Component[] | undefined {
  if (cursor.char === "*") {
    cursor.at++;
    return usec ? [{ start: 0, stop: -1, repeat: USEC_PER_SEC }] : undefined;
  }
  const chain = [parseComponent(cursor, usec)];
  while (cursor.char === ",") {
    cursor.at++;
    chain.push(parseComponent(cursor, usec));
  }
  return chain;
}

function parseComponent(cursor: Cursor, usec: boolean): Component {
  const start = parseDecimal(cursor, usec);
  let stop = -1;
  let repeat = 0;
  if (cursor.char === "." && cursor.peek(1) === ".") {
    cursor.at += 2;
    stop = parseDecimal(cursor, usec);
    repeat = usec ? USEC_PER_SEC : 1;
  }
  if (cursor.char === "/") {
    cursor.at++;
    repeat = parseDecimal(cursor, usec);
    if (repeat === 0) throw new Invalid("a repetition of 0");
  } else if (usec && stop >= 0 && start + repeat > stop) {
    throw new Invalid("a range of seconds must span at least a second");
  }
  if (!["", " ", ",", "-", "~", ":"].includes(cursor.char)) {
    throw new Invalid(`unexpected ${JSON.stringify(cursor.char)} in a number`);
  }
  return { start, stop, repeat };
}

function parseDecimal(cursor: Cursor, usec: boolean): number {
  const digits = /^\d+/.exec(cursor.text.slice(cursor.at))?.[0];
  if (!digits) {
    throw new Invalid(
      cursor.done
        ? "a number is missing at the end"
        : `a number is expected at ${JSON.stringify(cursor.text.slice(cursor.at))}`,
    );
  }
  cursor.at += digits.length;
  let value = Number(digits);
  if (usec) {
    value *= USEC_PER_SEC;
    if (cursor.char === "." && cursor.peek(1) !== ".") {
      cursor.at++;
      const fraction = /^\d*/.exec(cursor.text.slice(cursor.at))![0];
      cursor.at += fraction.length;
      value += Math.floor(Number(`0.${fraction || "0"}`) * USEC_PER_SEC + 1e-7);
    }
  }
  if (value > INT_MAX) throw new Invalid(`${digits} is too large`);
  return value;
}

/** Two-digit years, as systemd reads them: 12 → 2012, 89 → 1989. */
function fixYear(chain: Component[] | undefined): void {
  for (const c of chain ?? []) {
    for (const key of ["start", "stop"] as const) {
      if (c[key] >= 0 && c[key] < 70) c[key] += 2000;
      else if (c[key] >= 70 && c[key] < 100) c[key] += 1900;
    }
  }
}

function checkChain(
  what: string,
  chain: Component[] | undefined,
  from: number,
  to: number,
  fromEnd: boolean,
  unit = 1,
): void {
  const show = (n: number) => unit === 1 ? String(n) : String(n / unit);
  const range = `${show(from)}..${unit === 1 ? show(to) : "59"}`;
  for (const original of chain ?? []) {
    // systemd reads a range too short to repeat in (5..5, 1..5/10) as its start alone.
    const c = original.stop >= 0 && original.start <= original.stop &&
        original.start + original.repeat > original.stop
      ? { start: original.start, stop: -1, repeat: 0 }
      : original;
    if (c.start < from || c.start > to) {
      throw new Invalid(`${what} ${show(c.start)} is out of range ${range}`);
    }
    if (c.repeat > to - from) {
      throw new Invalid(`the ${what} repetition ${show(c.repeat)} is too large`);
    }
    if (c.stop >= 0) {
      if (c.stop < from || c.stop > to) {
        throw new Invalid(`${what} ${show(c.stop)} is out of range ${range}`);
      }
      if (c.start > c.stop) {
        throw new Invalid(`the ${what} range ${show(c.start)}..${show(c.stop)} runs backwards`);
      }
    } else if (fromEnd ? c.start - c.repeat < from : c.start + c.repeat > to) {
      throw new Invalid(`the ${what} repetition ${show(c.repeat)} never repeats within ${range}`);
    }
  }
}

let zones: ReadonlySet<string> | undefined;

/** The IANA time zone names this runtime knows (systemd accepts those its host has). */
function knownTimeZones(): ReadonlySet<string> {
  zones ??= new Set(Intl.supportedValuesOf("timeZone"));
  return zones;
}

/** Calendar aliases the timer words accept (`hour` → `hourly`). */
export const CALENDAR_ALIASES: Readonly<Record<string, string>> = {
  minute: "minutely",
  hour: "hourly",
  day: "daily",
  week: "weekly",
  month: "monthly",
  quarter: "quarterly",
  year: "yearly",
};

/**
 * An alias (`hour`, `day`, …) as its shorthand; anything else as written.
 *
 * @example
 * ```ts
 * import { calendarName } from "./calendar.ts";
 * calendarName("hour"); // "hourly"
 * calendarName("Mon *-*-* 02:00:00"); // "Mon *-*-* 02:00:00"
 * ```
 */
export function calendarName(value: string): string {
  return CALENDAR_ALIASES[value] ?? value;
}

const DAY_NAMES: Readonly<Record<string, string>> = {
  monday: "Mon",
  tuesday: "Tue",
  wednesday: "Wed",
  thursday: "Thu",
  friday: "Fri",
  saturday: "Sat",
  sunday: "Sun",
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};

/**
 * A time of day (`"02:30"`, `"02:30:15"`) as `HH:MM:SS`; throws a TypeError otherwise.
 *
 * @example
 * ```ts
 * import { timeOfDay } from "./calendar.ts";
 * timeOfDay("2:30"); // "02:30:00"
 * ```
 */
export function timeOfDay(at: string): string {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(at);
  const [h, m, s] = match ? [match[1], match[2], match[3] ?? "00"].map(Number) : [];
  if (!match || h > 23 || m > 59 || s > 59) {
    throw new TypeError(`${JSON.stringify(at)} is not a time of day (HH:MM or HH:MM:SS)`);
  }
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}

/**
 * `*-*-* HH:MM:SS`: every day at a time.
 *
 * @example
 * ```ts
 * import { dailyAt } from "./calendar.ts";
 * dailyAt("02:30"); // "*-*-* 02:30:00"
 * ```
 */
export function dailyAt(at: string): string {
  return `*-*-* ${timeOfDay(at)}`;
}

/**
 * `Day *-*-* HH:MM:SS`: every week on a day (`monday` or `Mon`) at a time.
 *
 * @example
 * ```ts
 * import { weeklyAt } from "./calendar.ts";
 * weeklyAt("monday", "02:30"); // "Mon *-*-* 02:30:00"
 * ```
 */
export function weeklyAt(day: string, at: string): string {
  const name = DAY_NAMES[day.toLowerCase()];
  if (!name) {
    throw new TypeError(`${JSON.stringify(day)} is not a weekday (monday … sunday, or Mon … Sun)`);
  }
  return `${name} *-*-* ${timeOfDay(at)}`;
}

/**
 * `*-*-DD HH:MM:SS`: every month on a day (1–31) at a time.
 *
 * @example
 * ```ts
 * import { monthlyAt } from "./calendar.ts";
 * monthlyAt(1, "02:30"); // "*-*-01 02:30:00"
 * ```
 */
export function monthlyAt(day: number, at: string): string {
  if (!Number.isInteger(day) || day < 1 || day > 31) {
    throw new TypeError(`day ${day} of the month is out of range 1..31`);
  }
  return `*-*-${String(day).padStart(2, "0")} ${timeOfDay(at)}`;
}
