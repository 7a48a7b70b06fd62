/**
 * The messages between the loader and the sandbox's child process, one JSON
 * object a line over the child's stdin and stdout. Kept apart from child.ts so
 * the loader does not load the DSL and the transpiler itself.
 *
 * @module
 */
import type { ModuleSource } from "./graph.ts";

/** The hidden subcommand a compiled hostkit runs itself with to become this child. */
export const CHILD_SUBCOMMAND = "__hostkit-config-child";

/**
 * What the child answers at the end. `repeatable`: the config read no clock, randomness or
 * timer (repeatable.ts), so the same modules would give the same answer.
 */
export type ChildResponse =
  | { ok: true; spec: unknown; repeatable?: boolean }
  | { ok: false; message: string; origin?: string };

/**
 * Messages from the loader. `start` carries the config's modules when all of them were in the
 * loader's cache (module_cache.ts): the child then never loads the transpiler.
 */
export type LoaderMessage =
  | { type: "start"; entry: string; requires: string[]; modules?: ModuleSource[] }
  | { type: "file"; path: string; text: string };

/**
 * Messages from the child: `up` once the DSL is loaded (before the lock-down), `ready` once
 * locked down (the config's time starts), a `module` for each module it transpiled (before any
 * code of the config runs; the loader may cache it), then `done`.
 */
export type ChildMessage =
  | { type: "up" }
  | { type: "ready" }
  | { type: "read"; path: string; from?: string }
  | { type: "module"; module: ModuleSource }
  | { type: "log"; text: string }
  | { type: "done"; response: ChildResponse };
