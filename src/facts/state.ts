/**
 * What hostkit reads from a host, per resource: plain data that plans carry as
 * `before`.
 *
 * @module
 */
import { z } from "zod";
import type { Trigger } from "../plan/types.ts";

/** A path on the host: missing, or its type and metadata. */
export const PathStateSchema = z.union([
  z.strictObject({ exists: z.literal(false) }),
  z.strictObject({
    exists: z.literal(true),
    type: z.enum(["file", "directory", "symlink", "other"]),
    owner: z.string(),
    group: z.string(),
    mode: z.number().int(),
    size: z.number().int(),
    sha256: z.string().optional(),
    /** Symlink target. */
    target: z.string().optional(),
    /** A symlink target that is not valid UTF-8, as hex bytes (`target` is then absent). */
    targetHex: z.string().optional(),
    /**
     * Env files: key → `same` / `different` (its line compared on the host with the
     * declared one) or `present` (secret or undeclared keys). No hash leaves the host.
     */
    envKeys: z.record(z.string(), z.string()).optional(),
  }),
]);

export const UnitStateSchema = z.strictObject({
  load: z.string(),
  active: z.string(),
  sub: z.string(),
  unitFile: z.string(),
});

export const AccountStateSchema = z.union([
  z.strictObject({ exists: z.literal(false) }),
  z.strictObject({
    exists: z.literal(true),
    uid: z.number().int(),
    gid: z.number().int(),
    home: z.string(),
    shell: z.string(),
    group: z.string(),
    groups: z.array(z.string()),
  }),
]);

export const PackageStateSchema = z.strictObject({
  installed: z.boolean(),
  version: z.string().optional(),
});

/** The state of one resource, by kind family. */
export const StateSchema = z.strictObject({
  path: PathStateSchema.optional(),
  unit: UnitStateSchema.optional(),
  account: AccountStateSchema.optional(),
  package: PackageStateSchema.optional(),
  /** mise tool installed. */
  installed: z.boolean().optional(),
  /** Managed line present in its file. */
  line: z.boolean().optional(),
  /** Command guard: why the command need not run (`creates` exists, `unless` succeeded). */
  satisfied: z.string().optional(),
  /** Command guard: its `unless` was not run while planning (the operator did not opt in). */
  unevaluated: z.boolean().optional(),
});

export type PathState = z.infer<typeof PathStateSchema>;
export type UnitState = z.infer<typeof UnitStateSchema>;
export type AccountState = z.infer<typeof AccountStateSchema>;
export type PackageState = z.infer<typeof PackageStateSchema>;
export type State = z.infer<typeof StateSchema>;

/** What one probe learned about a host. */
export interface Facts {
  os: { id: string; version: string };
  packageManager?: "apt" | "dnf" | "apk" | "pacman";
  systemd: boolean;
  /** /etc/machine-id: tells hosts apart even behind the same address. */
  machineId: string;
  /** Handlers a previous apply recorded under the runs root but did not run. */
  triggers: Trigger[];
  /** Ids of units and accounts hostkit created on this host (its inventory under the runs root). */
  created: string[];
  /** Per resource id. */
  states: Record<string, State>;
  /** Per resource id: the stable probe lines (no index), re-checked by apply (stale plans). */
  observed: Record<string, string[]>;
  /** Per resource id: a read failure (permission denied, tool missing). */
  errors: Record<string, string>;
}
