/**
 * Flags shared by commands that load a config.
 *
 * @module
 */
import type { ProjectSpec } from "../model/project.ts";
import { type Flags, type FlagSpec, listFlag, numberFlag } from "./args.ts";

/** `--require` and `--timeout`. */
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
