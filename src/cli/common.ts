/**
 * Flags shared by commands that load a config.
 *
 * @module
 */
import type { ProjectSpec } from "../model/project.ts";
import { type Flags, type FlagSpec, listFlag, numberFlag, stringFlag } from "./args.ts";

/** `--require` and `--timeout`. */
/** `--run-guards`, for commands that plan. */
export const GUARD_FLAGS: Record<string, FlagSpec> = {
  "run-guards": {
    type: "boolean",
    description: "Run commands' `unless` guards while planning: shell from the config, run on " +
      "the target as the connecting user (with --local: on this machine). Also " +
      'HOSTKIT_RUN_GUARDS=1. Without it such commands show as "may run"',
  },
};

/** Whether the operator opted in to running guards while planning (a config cannot set this). */
export function runGuards(flags: Flags): boolean {
  return flags["run-guards"] === true || Deno.env.get("HOSTKIT_RUN_GUARDS") === "1";
}

export const CONFIG_FLAGS: Record<string, FlagSpec> = {
  require: {
    type: "string",
    multiple: true,
    value: "FILE",
    description: "Evaluate FILE before the config (project-local conventions)",
  },
  timeout: {
    type: "string",
    value: "SECONDS",
    description: "Give up evaluating the config after SECONDS (default 10)",
  },
};

/**
 * Loads the config named on the command line, with `--require` and `--timeout`.
 * The loader is imported lazily so commands that need no config start fast.
 *
 * @example
 * ```ts
 * import { loadFromFlags } from "./common.ts";
 * const project = await loadFromFlags("infra/config.ts", flags);
 * ```
 */
export async function loadFromFlags(path: string, flags: Flags): Promise<ProjectSpec> {
  const { load } = await import("../config/load.ts");
  return load(path, {
    require: listFlag(flags, "require"),
    timeoutMs: numberFlag(flags, "timeout", 10) * 1000,
  });
}

/** `--runs-root` and `--backups-root`, for commands that work with tracked runs. */
export const RUNS_FLAGS: Record<string, FlagSpec> = {
  "runs-root": {
    type: "string",
    value: "DIR",
    description: "Runs root on the host (default: the project's, else /var/lib/hostkit)",
  },
  "backups-root": {
    type: "string",
    value: "DIR",
    description: "Backups root on the host (default RUNS_ROOT/backups)",
  },
};

/**
 * The runs root a command works with: the flag, else the project's, else the default.
 *
 * @example
 * ```ts
 * import { runsRootOf } from "./common.ts";
 * runsRootOf({}, undefined); // "/var/lib/hostkit"
 * ```
 */
export function runsRootOf(flags: Flags, project: ProjectSpec | undefined): string {
  return stringFlag(flags, "runs-root") ?? project?.runsRoot ?? "/var/lib/hostkit";
}
