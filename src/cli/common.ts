/**
 * Flags shared by commands that load a config.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { ProjectSpec } from "../model/project.ts";
import { type Flags, type FlagSpec, listFlag, numberFlag, stringFlag } from "./args.ts";
import { parseDurationMs } from "../text/duration.ts";

/** Longest timer a runtime holds, in seconds (setTimeout takes a signed 32-bit delay in ms). */
const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** `--run-guards`, for commands that plan. */
export const GUARD_FLAGS: Record<string, FlagSpec> = {
  "run-guards": {
    type: "boolean",
    description: "Run commands' `unless` guards while planning: shell from the config, run on " +
      "the target as the connecting user (with --local: on this machine). Also " +
      'HOSTKIT_RUN_GUARDS=1. Without it such commands show as "may run"',
  },
};

/** `--nft-reload`, for commands that plan. */
export const NFT_RELOAD_FLAG: Record<string, FlagSpec> = {
  "nft-reload": {
    type: "boolean",
    description: "Load a changed firewall ruleset (only hostkit's nftables table, after " +
      "`nft -c` passed and the lock-out check) and keep it for boot; without it the ruleset " +
      "is only written. Also the policy's f.nftReload()",
  },
};

/** Whether the operator opted in to running guards while planning (a config cannot set this). */
export function runGuards(flags: Flags): boolean {
  return flags["run-guards"] === true || Deno.env.get("HOSTKIT_RUN_GUARDS") === "1";
}

/** `--auto-rollback DURATION`, for commands that plan or apply. */
export const ROLLBACK_FLAGS: Record<string, FlagSpec> = {
  "auto-rollback": {
    type: "string",
    value: "DURATION",
    description: "Arm automatic rollback (e.g. 60s, 2m; implies --track): unless hostkit " +
      "confirms the apply over a NEW connection within DURATION of its end, the host applies " +
      "the run's down plan itself; a failed apply rolls back at once. A firewall reload " +
      "(--nft-reload) always arms it, for 60 s unless given",
  },
};

/** The `--auto-rollback` duration in seconds, when given. */
export function autoRollbackS(flags: Flags): number | undefined {
  const value = stringFlag(flags, "auto-rollback");
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  if (ms !== undefined && ms > MAX_TIMEOUT_SECONDS * 1000) {
    throw new HostkitError("usage", `--auto-rollback ${value} is more than a timer holds`);
  }
  // The host's timer counts whole seconds.
  if (ms === undefined || ms % 1000 !== 0) {
    throw new HostkitError(
      "usage",
      `--auto-rollback ${JSON.stringify(value)}: expected whole seconds such as 60s or 2m`,
    );
  }
  return ms / 1000;
}

/** `--require`, `--timeout`, `--memory-limit` and `--source-root`. */
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
    description: "Give up evaluating the config after SECONDS (default 10; counted from when " +
      "the sandbox is ready: reading, transpiling and evaluating)",
  },
  "memory-limit": {
    type: "string",
    value: "MB",
    description: "The config's heap limit (default 512; the sandbox may use 1024 MB more " +
      "for the runtime itself)",
  },
  "source-root": {
    type: "string",
    multiple: true,
    value: "DIR",
    description: "Also read config modules and file sources under DIR (besides the project's " +
      "directory: the nearest above the config holding deno.json or .git)",
  },
};

/**
 * Loads the config named on the command line, with `--require` and `--timeout`.
 * The loader is imported lazily so commands that need no config start fast.
 *
 * @example
 * ```ts
 * import { loadFromFlags } from "./common.ts";
 * const project = await loadFromFlags("infra/config.ts", { timeout: "30" });
 * ```
 */
export async function loadFromFlags(path: string, flags: Flags): Promise<ProjectSpec> {
  const timeout = numberFlag(flags, "timeout", 10);
  if (timeout > MAX_TIMEOUT_SECONDS) {
    throw new HostkitError(
      "usage",
      `--timeout ${timeout} is more than a timer holds (at most ${MAX_TIMEOUT_SECONDS} s)`,
    );
  }
  const memory = numberFlag(flags, "memory-limit", 512);
  if (memory < 16 || !Number.isInteger(memory)) {
    throw new HostkitError(
      "usage",
      `--memory-limit wants whole megabytes, 16 or more, got ${memory}`,
    );
  }
  const { load } = await import("../config/load.ts");
  return load(path, {
    require: listFlag(flags, "require"),
    timeoutMs: timeout * 1000,
    memoryLimitMb: memory,
    sourceRoots: listFlag(flags, "source-root"),
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
