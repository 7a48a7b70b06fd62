/**
 * Load-time checks of what a DSL word is given: every options object is
 * checked key by key (an unknown key is an error with the nearest known key),
 * every value by its schema, and extra arguments are refused. Configs are
 * stripped of their types when they load, so these checks are what stands
 * between a typo and a silently ignored setting.
 *
 * @module
 */
import { z } from "zod";
import { ProjectError } from "./error.ts";
import { callerOrigin } from "./origin.ts";

/** One schema per option: the keys of `T`, each required to be checked. */
export type OptionShape<T> = { [K in keyof Required<T>]: z.ZodType };

/** A config mistake in a DSL word's arguments, at the user's `file:line`. */
export function wordError(word: string, message: string): ProjectError {
  return new ProjectError(`${word}: ${message}`, callerOrigin());
}

/**
 * Checks an options object against its shape and returns it. `undefined` is an
 * empty object; anything but a plain object is refused.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { checkOptions } from "./options.ts";
 * checkOptions<{ port?: number }>("listen", { port: 3000 }, { port: z.number() });
 * ```
 */
export function checkOptions<T extends object>(
  word: string,
  value: T | undefined,
  shape: OptionShape<T>,
): T {
  if (value === undefined) return {} as T;
  if (!isPlainObject(value)) {
    throw wordError(word, `expected an options object, got ${describe(value)}`);
  }
  const known = Object.keys(shape);
  for (const [key, option] of Object.entries(value)) {
    if (!Object.hasOwn(shape, key)) throw wordError(word, unknownKey("option", key, known));
    if (option === undefined) continue;
    const parsed = (shape as Record<string, z.ZodType>)[key].safeParse(option);
    if (!parsed.success) {
      throw wordError(word, `option ${key}: ${issueText(parsed.error)}`);
    }
  }
  return value;
}

/**
 * Checks one argument against a schema, naming the word and the argument.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { checkArgument } from "./options.ts";
 * checkArgument("type", "the service type", "notify", z.enum(["simple", "notify"]));
 * ```
 */
export function checkArgument<T>(
  word: string,
  what: string,
  value: unknown,
  schema: z.ZodType<T>,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw wordError(word, `${what}: ${issueText(parsed.error)}`);
  return parsed.data;
}

/**
 * Refuses arguments past the ones a word takes.
 *
 * @example
 * ```ts
 * import { noExtraArguments } from "./options.ts";
 * noExtraArguments("symlink", 2, []);
 * ```
 */
export function noExtraArguments(word: string, takes: number, extra: readonly unknown[]): void {
  if (extra.length) {
    throw wordError(
      word,
      `takes at most ${takes} argument${takes === 1 ? "" : "s"}, got ${takes + extra.length} ` +
        `(the extra: ${extra.map(describe).join(", ")})`,
    );
  }
}

/**
 * "unknown option "x" (did you mean "y"?)", or the known keys when none is near.
 *
 * @example
 * ```ts
 * import { unknownKey } from "./options.ts";
 * unknownKey("option", "tpye", ["type", "user"]); // 'unknown option "tpye" (did you mean "type"?)'
 * ```
 */
export function unknownKey(what: string, key: string, known: readonly string[]): string {
  const near = nearest(key, known);
  return `unknown ${what} ${JSON.stringify(key)} (` +
    (near ? `did you mean ${JSON.stringify(near)}?` : `known: ${known.join(", ") || "none"}`) +
    ")";
}

/**
 * The known key nearest to `key`, ignoring case and `_`/`-` (so `exec_start`
 * finds `execStart`), when it is close enough to be the one meant.
 *
 * @example
 * ```ts
 * import { nearest } from "./options.ts";
 * nearest("typo_option", ["type", "user"]); // undefined
 * nearest("tyep", ["type", "user"]); // "type"
 * ```
 */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const wanted = fold(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(wanted, fold(candidate));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Edit distance counting a swap of neighbours as one typo (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : j === 0 ? i : 0),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array ${short(value)}`;
  if (value === null) return "null";
  if (typeof value === "object") return `an object ${short(value)}`;
  return `${typeof value} ${short(value)}`;
}

function short(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? ` (at ${issue.path.join(".")})` : "";
  return `${issue.message}${where}`;
}

/** Schemas for option values the DSL words share. */
export const is = {
  string: z.string(),
  nonEmpty: z.string().min(1, "must not be empty"),
  boolean: z.boolean(),
  port: z.number().int().min(1).max(65535),
  count: z.number().int().nonnegative(),
  absolutePath: z.string().startsWith("/", "must be an absolute path"),
  strings: z.array(z.string()),
  absolutePaths: z.array(z.string().startsWith("/", "must be an absolute path")),
  rollback: z.enum(["delete_if_created", "keep"]),
  /** Checked by the word itself (modes, addresses, secret refs, …), any shape here. */
  checkedByWord: z.unknown(),
  record: z.record(z.string(), z.unknown()),
  scalar: z.union([z.string(), z.number(), z.boolean()]),
};
