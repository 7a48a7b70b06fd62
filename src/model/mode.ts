/**
 * File modes in every form the DSL accepts, normalized to one integer.
 *
 * Forms: a number (`0o640`), an alias (`"secret_group_file"`), a triplet
 * (`["rw", "r", null]`), an object (`{ owner: "rw", group: "r" }`), or a list of
 * capabilities (`["setgid", "owner_rwx", "group_rwx", "other_rx"]`).
 *
 * @module
 */

/** Semantic mode aliases (values pinned in shared/reference/semantics.md). */
export const MODE_ALIASES: Readonly<Record<string, number>> = {
  public_file: 0o644,
  private_file: 0o600,
  secret_file: 0o600,
  secret_group_file: 0o640,
  secret_group_readable: 0o640,
  executable: 0o755,
  public_dir: 0o755,
  private_dir: 0o750,
  config_dir: 0o750,
  shared_dir: 0o2775,
  public_web_dir: 0o755,
  shared_web_dir: 0o2775,
};

/** A permission class for one of owner/group/other. */
export type PermissionClass =
  | "r"
  | "w"
  | "x"
  | "rw"
  | "rx"
  | "wx"
  | "rwx"
  | "read"
  | "write"
  | "execute"
  | "none"
  | null;

/** Every accepted way to write a mode. */
export type ModeInput =
  | number
  | string
  | [PermissionClass, PermissionClass, PermissionClass]
  | { owner?: PermissionClass; group?: PermissionClass; other?: PermissionClass }
  | string[];

const CLASS_BITS: Readonly<Record<string, number>> = {
  r: 4,
  w: 2,
  x: 1,
  rw: 6,
  rx: 5,
  wx: 3,
  rwx: 7,
  read: 4,
  write: 2,
  execute: 1,
  none: 0,
};

const SPECIAL_BITS: Readonly<Record<string, number>> = {
  setuid: 0o4000,
  setgid: 0o2000,
  sticky: 0o1000,
};

const WHO_SHIFT: Readonly<Record<string, number>> = { owner: 6, group: 3, other: 0 };

function classBits(value: unknown, where: string): number {
  if (value === null || value === undefined) return 0;
  const bits = typeof value === "string" ? CLASS_BITS[value] : undefined;
  if (bits === undefined) {
    throw new TypeError(
      `unknown permission class ${JSON.stringify(value)} for ${where} ` +
        `(use r, w, x, rw, rx, rwx, read, write, execute or none)`,
    );
  }
  return bits;
}

function capabilityBits(name: string): number {
  if (name in SPECIAL_BITS) return SPECIAL_BITS[name];
  const match = /^(owner|group|other)_(\w+)$/.exec(name);
  if (match && match[2] in CLASS_BITS) return CLASS_BITS[match[2]] << WHO_SHIFT[match[1]];
  throw new TypeError(
    `unknown mode capability ${JSON.stringify(name)} ` +
      `(use owner_r … other_rwx, setuid, setgid or sticky)`,
  );
}

/**
 * Normalizes any {@link ModeInput} to an integer mode. Unknown names throw a
 * TypeError naming the value.
 *
 * @example
 * ```ts
 * import { normalizeMode } from "./mode.ts";
 * normalizeMode("secret_group_file"); // 0o640
 * normalizeMode({ owner: "rw", group: "r" }); // 0o640
 * normalizeMode(["setgid", "owner_rwx", "group_rwx", "other_rx"]); // 0o2775
 * ```
 */
export function normalizeMode(input: ModeInput): number {
  if (typeof input === "number") {
    if (!Number.isInteger(input) || input < 0 || input > 0o7777) {
      throw new TypeError(`mode ${input} is out of range (0 to 0o7777)`);
    }
    return input;
  }
  if (typeof input === "string") {
    if (input in MODE_ALIASES) return MODE_ALIASES[input];
    if (/^0?[0-7]{3,4}$/.test(input)) return parseInt(input, 8);
    throw new TypeError(
      `unknown mode alias ${JSON.stringify(input)} (known: ${
        Object.keys(MODE_ALIASES).join(", ")
      })`,
    );
  }
  if (Array.isArray(input)) {
    // Capabilities are `who_class` or a special bit; three of anything else is a
    // triplet, so a bad class is reported as that class ("q" for other).
    const looksLikeTriplet = input.length === 3 &&
      input.every((v) =>
        v === null || (typeof v === "string" && !v.includes("_") && !(v in SPECIAL_BITS))
      );
    if (looksLikeTriplet) {
      return (classBits(input[0], "owner") << 6) | (classBits(input[1], "group") << 3) |
        classBits(input[2], "other");
    }
    return input.reduce((mode, name) => mode | capabilityBits(String(name)), 0);
  }
  if (input && typeof input === "object") {
    let mode = 0;
    for (const [who, value] of Object.entries(input)) {
      if (!(who in WHO_SHIFT)) {
        throw new TypeError(`unknown mode key ${JSON.stringify(who)} (use owner, group, other)`);
      }
      mode |= classBits(value, who) << WHO_SHIFT[who];
    }
    return mode;
  }
  throw new TypeError(`unsupported mode ${JSON.stringify(input)}`);
}

/**
 * Formats a mode as four octal digits, as `stat -c %a` would with a leading zero.
 *
 * @example
 * ```ts
 * import { formatMode } from "./mode.ts";
 * formatMode(0o640); // "0640"
 * ```
 */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
