/**
 * Decides one resource's action by comparing what was read with what is
 * declared, through its kind. Only declared attributes are compared: an
 * undeclared owner is not drift.
 *
 * @module
 */
import type { State } from "../facts/state.ts";
import type { Resource } from "../model/resource.ts";
import { handlerOf } from "../kinds/mod.ts";
import type { Desired, Verdict } from "./types.ts";

export type { Verdict } from "./types.ts";

/**
 * The action for a resource given its desired and current state, with the drift.
 *
 * @example
 * ```ts
 * import { compare } from "./compare.ts";
 * const dir = { kind: "directory", path: "/srv", dependsOn: [], rollback: "keep" } as const;
 * compare(dir, {}, { path: { exists: false } }); // { action: "create", reason: "missing", drift: [] }
 * ```
 */
export function compare(resource: Resource, desired: Desired, state: State): Verdict {
  return handlerOf(resource).diff(resource, desired, state);
}
