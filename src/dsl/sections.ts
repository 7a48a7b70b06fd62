/**
 * The section words (`unit`, `service`, `install`, `timer`): an escape hatch
 * that writes any directive systemd knows, with the same coercions and checks
 * as the dedicated words (aliases for unit lists, argv for Exec*, checked
 * `Type=`, `Restart=`, time spans and calendar expressions). Unknown directive
 * names are refused, since systemd would only warn and ignore them.
 *
 * @module
 */
import { z } from "zod";
import { calendarName, checkCalendar } from "../model/calendar.ts";
import { KNOWN_DIRECTIVES } from "../model/directives.ts";
import {
  directiveName,
  type Directives,
  directiveValue,
  escapeSpecifiers,
  pathList,
  RESTART_POLICIES,
  SERVICE_TYPES,
  unitName,
} from "../model/systemd.ts";
import { isTimespan } from "../model/timespan.ts";
import { describe, unknownKey, wordError } from "./options.ts";

/** A section of a unit file the DSL writes. */
export type Section = "Unit" | "Service" | "Install" | "Timer";

/** A directive value as a config writes it. */
export type DirectiveInput = string | number | boolean | string[] | Record<string, unknown>;

const UNIT_LISTS = new Set([
  "After",
  "Before",
  "Wants",
  "Requires",
  "Requisite",
  "BindsTo",
  "PartOf",
  "Upholds",
  "Conflicts",
  "OnFailure",
  "OnSuccess",
  "WantedBy",
  "RequiredBy",
  "UpheldBy",
  "Also",
]);

const PATH_LISTS = new Set([
  "ReadWritePaths",
  "ReadOnlyPaths",
  "InaccessiblePaths",
  "ExecPaths",
  "NoExecPaths",
]);

const EXEC = /^Exec(Start|StartPre|StartPost|Stop|StopPost|Reload|Condition)$/;

/**
 * An argv list as an Exec*= command line that systemd reads back literally:
 * `%` doubled (specifiers), `$` doubled in arguments (systemd substitutes
 * `$VAR` there, but not in the program path it executes), a lone `;` escaped
 * (it would separate commands), and words with whitespace, quotes or
 * backslashes, or empty ones, quoted with C escapes.
 *
 * @example
 * ```ts
 * import { execLine } from "./sections.ts";
 * execLine(["/usr/bin/env", "echo", "50%"]); // "/usr/bin/env echo 50%%"
 * ```
 */
export function execLine(argv: string[]): string {
  return argv.map((arg, index) => {
    let word = escapeSpecifiers(arg);
    if (index > 0) word = word.replaceAll("$", () => "$$");
    if (word === ";") return "\\;";
    return word === "" || /[\s"'\\]/.test(word) ? JSON.stringify(word) : word;
  }).join(" ");
}

/** A program and its arguments: `["/bin/app", "eval", "x"]` or `["/bin/app", ["eval", "x"]]`. */
export type ExecInput = string[] | [string, string[]];

const execSchema = z.union([
  z.tuple([z.string(), z.array(z.string())]),
  z.array(z.string()).min(1, "needs at least the program"),
]);

/**
 * Flattens and checks an argv list (`[program, [args]]` or `[program, ...args]`).
 *
 * @example
 * ```ts
 * import { flattenExec } from "./sections.ts";
 * flattenExec("exec", ["bin/app", ["eval", "x"]]); // ["bin/app", "eval", "x"]
 * ```
 */
export function flattenExec(word: string, exec: unknown): string[] {
  const parsed = execSchema.safeParse(exec);
  if (!parsed.success) {
    throw wordError(word, `expected an argv list of strings, got ${describe(exec)}`);
  }
  const value = parsed.data;
  if (value.length === 2 && Array.isArray(value[1])) return [value[0] as string, ...value[1]];
  return value as string[];
}

/**
 * `Type=`, checked against what systemd accepts.
 *
 * @example
 * ```ts
 * import { serviceType } from "./sections.ts";
 * serviceType("type", "notify"); // "notify"
 * ```
 */
export function serviceType(word: string, value: unknown): string {
  const type = String(value);
  if (typeof value !== "string" || !(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw wordError(word, `${unknownKey("service type", type, SERVICE_TYPES)}`);
  }
  return type;
}

/**
 * `Restart=` (`on_failure` → `on-failure`), checked against what systemd accepts.
 *
 * @example
 * ```ts
 * import { restartPolicy } from "./sections.ts";
 * restartPolicy("restart", "on_failure"); // "on-failure"
 * ```
 */
export function restartPolicy(word: string, value: unknown): string {
  const policy = String(value).replaceAll("_", "-");
  if (typeof value !== "string" || !(RESTART_POLICIES as readonly string[]).includes(policy)) {
    throw wordError(word, `${unknownKey("restart policy", String(value), RESTART_POLICIES)}`);
  }
  return policy;
}

/**
 * A time span systemd accepts (`"10min"`, `90`), as written.
 *
 * @example
 * ```ts
 * import { timespan } from "./sections.ts";
 * timespan("jitter", "15m"); // "15m"
 * ```
 */
export function timespan(word: string, value: unknown): string {
  if ((typeof value !== "string" && typeof value !== "number") || !isTimespan(value)) {
    throw wordError(
      word,
      `${describe(value)} is not a systemd time span (e.g. 90, "500ms", "10min", "1h 30min")`,
    );
  }
  return String(value);
}

/**
 * A calendar expression systemd accepts; aliases (`hour`) become shorthands.
 *
 * @example
 * ```ts
 * import { calendar } from "./sections.ts";
 * calendar("onCalendar", "hour"); // "hourly"
 * ```
 */
export function calendar(word: string, value: unknown): string {
  if (typeof value !== "string") {
    throw wordError(word, `expected a calendar expression string, got ${describe(value)}`);
  }
  const expression = calendarName(value);
  const check = checkCalendar(expression);
  if (!check.ok) {
    throw wordError(
      word,
      `${JSON.stringify(value)} is not a systemd calendar expression: ${check.reason}`,
    );
  }
  return expression;
}

/** A unit name or alias, as a TypeError from unitName becomes a word error. */
export function unitReference(word: string, value: unknown): string {
  if (typeof value !== "string") {
    throw wordError(word, `expected a unit name, got ${describe(value)}`);
  }
  try {
    return unitName(value);
  } catch (error) {
    throw wordError(word, (error as Error).message);
  }
}

/**
 * Directives for a section word's options: `{ after: "network_online",
 * execStart: ["/bin/app"], restart: "on_failure" }`.
 *
 * @example
 * ```ts
 * import { sectionDirectives } from "./sections.ts";
 * sectionDirectives("service", "Service", { type: "oneshot", execStart: ["/bin/true"] });
 * // [["Type","oneshot"],["ExecStart","/bin/true"]]
 * ```
 */
export function sectionDirectives(
  word: string,
  section: Section,
  options: unknown,
): Directives {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw wordError(
      word,
      `expected an object of [${section}] directives, got ${describe(options)}`,
    );
  }
  const out: Directives = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    out.push(...directive(word, section, key, value));
  }
  return out;
}

/**
 * One directive (or several, for lists of units) with its value coerced and checked.
 *
 * @example
 * ```ts
 * import { directive } from "./sections.ts";
 * directive("directive", "Service", "limit_nofile", 65536); // [["LimitNOFILE","65536"]]
 * ```
 */
export function directive(word: string, section: Section, key: string, value: unknown): Directives {
  const name = directiveName(key);
  const known = KNOWN_DIRECTIVES[section];
  if (!known.has(name)) {
    throw wordError(word, unknownKey(`[${section}] directive`, name, [...known]));
  }
  const where = `${word} ${name}`;
  if (UNIT_LISTS.has(name)) {
    const units = Array.isArray(value) ? value : [value];
    return units.map((u) => [name, unitReference(where, u)]);
  }
  if (EXEC.test(name)) {
    if (typeof value === "string") return [[name, value]];
    return [[name, execLine(flattenExec(where, value))]];
  }
  if (PATH_LISTS.has(name)) {
    const paths = z.array(z.string()).safeParse(Array.isArray(value) ? value : [value]);
    if (!paths.success) throw wordError(where, `expected paths, got ${describe(value)}`);
    return [[name, pathList(paths.data)]];
  }
  if (
    name === "Environment" && typeof value === "object" && value !== null && !Array.isArray(value)
  ) {
    return Object.entries(value).map(([k, v]) => [name, environmentValue(where, k, v)]);
  }
  if (name === "Type") return [[name, serviceType(where, value)]];
  if (name === "Restart") return [[name, restartPolicy(where, value)]];
  if (name === "OnCalendar") {
    const values = Array.isArray(value) ? value : [value];
    return values.map((v) => [name, calendar(where, v)]);
  }
  if (/Sec$/.test(name)) {
    if (typeof value === "string" || typeof value === "number") {
      return [[name, timespan(where, value)]];
    }
  }
  const scalar = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]).safeParse(
    value,
  );
  if (!scalar.success) {
    throw wordError(
      where,
      `expected a string, number, boolean or string list, got ${describe(value)}`,
    );
  }
  return [[name, directiveValue(scalar.data)]];
}

/**
 * One `Environment=` assignment, quoted so systemd reads it back literally.
 *
 * @example
 * ```ts
 * import { environmentValue } from "./sections.ts";
 * environmentValue("environment", "MIX_ENV", "prod"); // '"MIX_ENV=prod"'
 * ```
 */
export function environmentValue(word: string, key: string, value: unknown): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw wordError(word, `${JSON.stringify(key)} is not an environment variable name`);
  }
  if (!["string", "number", "boolean"].includes(typeof value)) {
    throw wordError(
      word,
      `the value of ${key}: expected a string, number or boolean, got ${describe(value)}`,
    );
  }
  return JSON.stringify(escapeSpecifiers(`${key}=${value}`));
}
