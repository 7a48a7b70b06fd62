/**
 * Graph edges shared by kinds with an owner and group: the accounts they name.
 *
 * @module
 */
import type { GraphIndex } from "./types.ts";

/** The declared accounts of a resource's owner and group. */
export function* edgesOfOwnership(
  r: { owner?: string; group?: string },
  graph: GraphIndex,
): Iterable<string> {
  for (const name of [r.owner, r.group]) {
    const account = name ? graph.account(name) : undefined;
    if (account) yield account;
  }
}
