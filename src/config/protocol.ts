/**
 * The messages between the loader and the sandbox's child process, one JSON
 * object a line over the child's stdin and stdout. Kept apart from child.ts so
 * the loader does not load the DSL and the transpiler itself.
 *
 * @module
 */

/** The hidden subcommand a compiled hostkit runs itself with to become this child. */
export const CHILD_SUBCOMMAND = "__hostkit-config-child";

/** What the child answers at the end. */
export type ChildResponse =
  | { ok: true; spec: unknown }
  | { ok: false; message: string; origin?: string };

/** Messages from the loader. */
export type LoaderMessage =
  | { type: "start"; entry: string; requires: string[] }
  | { type: "file"; path: string; text: string };

/** Messages from the child. */
export type ChildMessage =
  | { type: "ready" }
  | { type: "read"; path: string; from?: string }
  | { type: "log"; text: string }
  | { type: "done"; response: ChildResponse };
