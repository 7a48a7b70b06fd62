/**
 * The subcommands: each one's module (loaded only when it runs) and its one-line summary,
 * apart from the modules so `hostkit --help` prints the overview without loading any of them.
 *
 * @module
 */

/** A subcommand: its module, relative to src/cli/, and the overview's line for it. */
export interface CommandEntry {
  module: string;
  summary: string;
}

/**
 * Every subcommand by name. `deno task compile` names each module with `--include`: the CLI
 * imports them by URL (see main.ts), which compile cannot follow on its own.
 *
 * @example
 * ```ts
 * import { COMMANDS } from "./commands.ts";
 * console.log(Object.keys(COMMANDS)); // ["plan", "apply", …]
 * ```
 */
export const COMMANDS: Record<string, CommandEntry> = {
  plan: {
    module: "./plan.ts",
    summary: "show what apply would change (one read per host); save it with --out",
  },
  apply: { module: "./apply.ts", summary: "make hosts match a plan (one round trip per host)" },
  down: {
    module: "./down.ts",
    summary: "derive the rollback of an applied plan (from a plan file or a tracked run)",
  },
  runs: {
    module: "./runs.ts",
    summary: "list tracked runs on a host (newest first); prune old ones",
  },
  monitor: {
    module: "./monitor.ts",
    summary: "run the config's monitor checks (systemd, http, file, port) against hosts",
  },
  dump: { module: "./dump.ts", summary: "print the project a config declares, as data" },
  render: { module: "./render.ts", summary: "print the file hostkit would write for one resource" },
  demo: {
    module: "./demo.ts",
    summary: "load examples/toys.ts, plan it against this machine read-only, render its unit",
  },
};
