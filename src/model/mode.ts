/**
 * File modes in every form the DSL accepts, normalized to one integer.
 *
 * Forms: a number (`0o640`), an alias (`"secret_group_file"`), a triplet
 * (`["rw", "r", null]`) or a 4-tuple with the special bits first
 * (`["setgid", "rwx", "rwx", "rx"]`), an object (`{ owner: "rw", group: "r" }`,
 * `{ u: "rwx", g: "rx", o: "rx" }`, `{ owner: ["read", "write"], special: "setgid" }`),
 * or a list of capabilities (`["setgid", "owner_rwx", "group_rwx", "other_rx"]`).
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

/** A permission class, or a list of them OR-ed together (`["read", "write"]`). */
export type Permissions = PermissionClass | Exclude<PermissionClass, null>[];

/** A special bit (or a list of them, or none). */
export type SpecialBits =
  | "setuid"
  | "setgid"
  | "sticky"
  | ("setuid" | "setgid" | "sticky")[]
  | null;

/** Every accepted way to write a mode. */
export type ModeInput =
  | number
  | string
  | [Permissions, Permissions, Permissions]
  | [SpecialBits, Permissions, Permissions, Permissions]
  | {
    owner?: Permissions;
    group?: Permissions;
    other?: Permissions;
    u?: Permissions;
    g?: Permissions;
    o?: Permissions;
    special?: SpecialBits;
  }
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

const WHO_SHIFT: Readonly<Record<string, number>> = {
  owner: 6,
  group: 3,
  other: 0,
  u: 6,
  g: 3,
  o: 0,
};

function classBits(value: unknown, where: string): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((bits, v) => bits | classBits(v, where), 0);
  const bits = typeof value === "string" ? CLASS_BITS[value] : undefined;
  if (bits === undefined) {
    throw new TypeError(
      `unknown permission class ${JSON.stringify(value)} for ${where} ` +
        `(use r, w, x, rw, rx, rwx, read, write, execute or none)`,
    );
  }
  return bits;
}

function specialBits(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((bits, v) => bits | specialBits(v), 0);
  const bits = typeof value === "string" ? SPECIAL_BITS[value] : undefined;
  if (bits === undefined) {
    throw new TypeError(
      `unknown special bit ${JSON.stringify(value)} (use setuid, setgid, sticky or none)`,
    );
  }
  return bits;
}

/** A class written alone (not a `who_class` capability): "rw", null, or a list of classes. */
function isClass(value: unknown): boolean {
  return value === null || Array.isArray(value) ||
    (typeof value === "string" && !value.includes("_") && !(value in SPECIAL_BITS));
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
 * normalizeMode(["setgid", "rwx", "rwx", "rx"]); // 0o2775
 * normalizeMode({ u: "rwx", g: "rx", o: "rx" }); // 0o755
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
    // A 4-tuple leads with the special bits: ["setgid", "rwx", "rwx", "rx"].
    const looksLikeTriplet = input.length === 3 && input.every(isClass);
    const looksLikeTuple = input.length === 4 &&
      (input[0] === null || Array.isArray(input[0]) || String(input[0]) in SPECIAL_BITS) &&
      input.slice(1).every(isClass);
    if (looksLikeTriplet || looksLikeTuple) {
      const [special, owner, group, other] = looksLikeTuple ? input : [null, ...input];
      return specialBits(special) | (classBits(owner, "owner") << 6) |
        (classBits(group, "group") << 3) | classBits(other, "other");
    }
    return input.reduce(
      (mode: number, name: unknown) => mode | capabilityBits(String(name)),
      0,
    );
  }
  if (input && typeof input === "object") {
    let mode = 0;
    const seen = new Set<number>();
    for (const [who, value] of Object.entries(input)) {
      if (who in WHO_SHIFT) {
        if (seen.has(WHO_SHIFT[who])) {
          throw new TypeError(
            `mode key ${
              JSON.stringify(who)
            } repeats a class given already (owner/u, group/g, other/o)`,
          );
        }
        seen.add(WHO_SHIFT[who]);
      }
      if (who === "special") {
        mode |= specialBits(value);
        continue;
      }
      if (!(who in WHO_SHIFT)) {
        throw new TypeError(
          `unknown mode key ${JSON.stringify(who)} (use owner/u, group/g, other/o, special)`,
        );
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
