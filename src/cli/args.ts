/**
 * Command-line parsing behind one small module (node:util parseArgs today, so it
 * can move to @std/cli later). Unknown flags and bad values are usage errors.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { HostkitError } from "../errors.ts";

/** One flag of a command. */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Shown in `--help`; `value` names the argument (`FILE`, `N`). */
  description: string;
  value?: string;
}

/** A subcommand: its flags, positionals and help text. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Extra help paragraphs. */
  notes?: string[];
}

/** Parsed flags: strings, booleans, or string lists for repeatable flags. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/**
 * Parses `argv` against a command's flags.
 *
 * @example
 * ```ts
 * import { type CommandSpec, parseCommand } from "./args.ts";
 *
 * const spec: CommandSpec = {
 *   name: "plan",
 *   summary: "show what would change",
 *   usage: "hostkit plan CONFIG [--local]",
 *   flags: { local: { type: "boolean", description: "plan this machine" } },
 * };
 * const { flags, positionals } = parseCommand(spec, ["config.ts", "--local"]);
 * flags.local; // true
 * positionals; // ["config.ts"]
 * ```
 */
export function parseCommand(
  spec: CommandSpec,
  argv: string[],
): { flags: Flags; positionals: string[] } {
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = { type: flag.type };
    if (flag.multiple) options[name].multiple = true;
    if (flag.short) options[name].short = flag.short;
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { flags: { ...values } as Flags, positionals };
  } catch (error) {
    const message = String((error as Error).message)
      .replace(/\. To specify a positional argument.*$/s, "")
      .replace(/^Unknown option '(.*?)'$/, "unknown flag $1");
    throw new HostkitError(
      "usage",
      `hostkit ${spec.name}: ${message} (see hostkit ${spec.name} --help)`,
    );
  }
}

/**
 * The `--help` text of a command.
 *
 * @example
 * ```ts
 * import { type CommandSpec, helpText } from "./args.ts";
 *
 * const spec: CommandSpec = {
 *   name: "plan",
 *   summary: "show what would change",
 *   usage: "hostkit plan CONFIG [--local]",
 *   flags: { local: { type: "boolean", description: "plan this machine" } },
 * };
 * console.log(helpText(spec));
 * ```
 */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const left = `  ${flag.short ? `-${flag.short}, ` : ""}--${name}${
      flag.value ? ` ${flag.value}` : ""
    }`;
    const repeat = flag.multiple ? " (repeatable)" : "";
    return `${left.padEnd(30)} ${flag.description}${repeat}`;
  });
  return [
    `hostkit ${spec.name}: ${spec.summary}`,
    "",
    `Usage: ${spec.usage}`,
    "",
    "Flags:",
    ...rows,
    `${"  -h, --help".padEnd(30)} Show this help`,
    ...(spec.notes?.length ? ["", ...spec.notes] : []),
  ].join("\n");
}

/** A string flag's value (the last one when repeated), or undefined. */
export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  if (Array.isArray(value)) return value.at(-1);
  return typeof value === "string" ? value : undefined;
}

/** A repeatable string flag's values. */
export function listFlag(flags: Flags, name: string): string[] {
  const value = flags[name];
  if (Array.isArray(value)) return value;
  return typeof value === "string" ? [value] : [];
}

/** A positive integer flag, or the default; other values are usage errors naming the flag. */
export function numberFlag(flags: Flags, name: string, fallback: number): number {
  const raw = stringFlag(flags, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new HostkitError(
      "usage",
      `--${name} wants a positive number, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** Exactly `count` positionals, or a usage error. */
export function expectPositionals(
  spec: CommandSpec,
  positionals: string[],
  names: string[],
): string[] {
  if (positionals.length !== names.length) {
    throw new HostkitError(
      "usage",
      `hostkit ${spec.name} expects ${names.join(" ")}, got ${
        positionals.length ? positionals.map((p) => JSON.stringify(p)).join(" ") : "nothing"
      } (usage: ${spec.usage})`,
    );
  }
  return positionals;
}
