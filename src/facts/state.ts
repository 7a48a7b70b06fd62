/**
 * What hostkit reads from a host, per resource: plain data that plans carry as
 * `before`.
 *
 * @module
 */
import { z } from "zod";
import type { Trigger } from "../plan/types.ts";

/**
 * A path on the host: missing, or its type and metadata.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
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

/**
 * Validates a {@link UnitState}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const UnitStateSchema = z.strictObject({
  load: z.string(),
  active: z.string(),
  sub: z.string(),
  unitFile: z.string(),
});

/**
 * Validates a {@link AccountState}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
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

/**
 * Validates a {@link PackageState}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const PackageStateSchema = z.strictObject({
  installed: z.boolean(),
  version: z.string().optional(),
});

/**
 * The state of one resource, by kind family.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
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
  /** Firewall: what is loaded and kept for boot, and where hostkit's SSH connection comes from. */
  firewall: z.strictObject({
    /** sha256 of the ruleset confirmed for boot (loaded by hostkit), if any. */
    loaded: z.string().optional(),
    /** Whether the table exists in the running ruleset (`no-nft`: nft is not installed). */
    table: z.enum(["yes", "no", "no-nft"]),
    /** The address and port of hostkit's SSH connection as the host sees them (SSH_CONNECTION). */
    client: z.string().optional(),
    sshPort: z.number().int().optional(),
  }).optional(),
});

/** A path on the host: `{ exists: false }`, or its type, owner, group, mode, size and hash. */
export type PathState = ReturnType<typeof PathStateSchema.parse>;
/** A systemd unit as `systemctl show` reports it: load, active and sub state, and unit-file state. */
export type UnitState = ReturnType<typeof UnitStateSchema.parse>;
/** A user account: `{ exists: false }`, or its uid, gid, home, shell, primary group and groups. */
export type AccountState = ReturnType<typeof AccountStateSchema.parse>;
/** A package: whether it is installed, and which version. */
export type PackageState = ReturnType<typeof PackageStateSchema.parse>;
/** What the probe read for one resource, by kind family (a file has `path`, a unit `path` and `unit`, …). */
export type State = ReturnType<typeof StateSchema.parse>;

/** What one probe learned about a host. */
export interface Facts {
  /** From /etc/os-release: `ID` and `VERSION_ID` (e.g. `debian`, `12`). */
  os: { id: string; version: string };
  /** The package manager found on the host, if any. */
  packageManager?: "apt" | "dnf" | "apk" | "pacman";
  /** Whether systemd runs as PID 1 (units can be managed). */
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
