/**
 * The seam every resource kind plugs into. A {@link KindHandler} owns one kind's
 * whole life: its schema, where it lives, how the one probe reads it, how its
 * drift is decided, the apply steps it compiles to, and its inverse for down
 * plans. The engine (facts, plan, apply, down) only loops over the registry.
 *
 * @module
 */
import type { z } from "zod";
import type { Resource, ResourceKind } from "../model/resource.ts";
import type { SecretSource } from "../model/secret.ts";
import type { State } from "../facts/state.ts";
import type { Change, Desired, Drift, HostPlan, Trigger, Verdict } from "../plan/types.ts";
import type { Tracking } from "../runs/record.ts";

/** The resource type of one kind. */
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;

/** A change whose resource is of one kind. */
export type ChangeOf<R extends Resource> = Change & { resource: R };

/** Probe lines of one resource: `[tag, value]` pairs in output order. */
export type ProbeTags = readonly (readonly [string, string])[];

/**
 * How a kind asks the one probe to read it. Paths, units and packages are
 * batched by the engine (one `stat`, one `sha256sum`, one `systemctl show`, one
 * package query per host); `shell` adds lines of its own.
 */
export interface ProbeBuilder {
  /**
   * Whether shell the config chose (command `unless` guards) may run while
   * reading: only when the operator opted in (`--run-guards`).
   */
  readonly runGuards: boolean;
  /**
   * A path: `f` regular file (hashed), `e` env file (each line compared on the host
   * with `lineHashes`: same / different / present; `secretKeys` never hashed), `d`
   * directory, `l` symlink (target read).
   */
  path(
    index: number,
    path: string,
    type: "f" | "e" | "d" | "l",
    env?: { secretKeys: string[]; lineHashes: Record<string, string> },
  ): void;
  /** A systemd unit's load, active, sub and unit-file state. */
  unit(index: number, name: string): void;
  /** An installed package and its version (the host's manager, or the pinned one). */
  package(index: number, name: string): void;
  /** An account: its passwd entry, primary group and groups (one lookup for all accounts). */
  account(index: number, name: string): void;
  /** Shell lines printing `INDEX<TAB>TAG<TAB>VALUE` for this resource. */
  shell(lines: string): void;
}

/** What deciding a desired state may read from the controller. */
export interface DesiredContext {
  /** Reads a controller-side file source (already checked by the loader's rules). */
  readSource: (path: string) => Uint8Array;
}

/** Verdicts of a host's other resources, for rules that span resources. */
export interface RelateContext {
  verdict(id: string): Verdict | undefined;
  /** Whether anything else of this service changes. */
  serviceChanges(service: string | undefined): boolean;
}

/** A file the write batch stages next to its destination, then renames into place. */
export interface StagedFile {
  path: string;
  data: Uint8Array;
  owner?: string;
  group?: string;
  mode: number;
  /** Back up the file it replaces (tracked updates). */
  backup: boolean;
  /** Checked on the host before the batch replaces anything (`"$HK_STAGED"` is its staged path). */
  validate?: string;
  /** Recorded as pending before the batch replaces anything. */
  triggers: Trigger[];
}

/** Where an activation group's one step goes in the program. */
export type Placement =
  /** Before every other step (e.g. stopping units that are deleted). */
  | "start"
  /** Where its first member stands (e.g. one package install). */
  | "first_member"
  /** After the last write, unless a member of another kind asks for it earlier. */
  | "end"
  /** After everything else, `end` groups included (handlers). */
  | "last";

/**
 * "Validate, then activate once per apply": members join during compile; the
 * group compiles them into one step.
 */
export interface ActivationGroup {
  /** Unique per host program, e.g. `systemd`, `install apt`. */
  key: string;
  placement: Placement;
  /** The one step of all members, or undefined when there is nothing to do. */
  compile(members: Change[]):
    | { label: string; command: string; ids: string[]; refuses?: "lockout" }
    | undefined;
}

/** What a kind's compile may do: add steps, stage files, join activation groups. */
export interface CompileContext {
  host: HostPlan;
  runId: string;
  tracking?: Tracking;
  secrets: SecretSource;
  /** A step of its own (it ends the current write batch). */
  step(ids: string[], label: string, command: string): void;
  /** Joins the current batch of file writes (or starts one). */
  stage(id: string, file: StagedFile): void;
  /** Ships bytes in the payload; returns the name the program reads them from (`$D/NAME`). */
  payload(data: Uint8Array): string;
  /** Makes the change a member of a group (created on first use). */
  join(group: ActivationGroup, change: Change): void;
  /** Places an `end` group's step here, before the step that follows (once). */
  flush(key: string): void;
}

/** What inverting a change may know about the run that applied it. */
export interface InvertContext {
  /** `<backups root>/<run id>` of a tracked run. */
  backupsDir?: string;
}

/** Order of resources inside one service, by role. */
export type ServiceRole =
  /** Installed before everything else of its service (packages). */
  | "package"
  /** A runtime tool: after packages, before what is not a tool. */
  | "tool"
  /** Files, directories, accounts: no ordering of their own. */
  | "resource"
  /** Units: after before_start commands. */
  | "unit"
  /** Commands: after resources; after units when phase is after_start. */
  | "command";

/** Lookups the graph offers kinds while collecting edges (each O(1)). */
export interface GraphIndex {
  has(id: string): boolean;
  /** The directory resource at a path, if declared. */
  directoryAt(path: string): string | undefined;
  /** The account resource of a user or group name, if declared. */
  account(name: string): string | undefined;
  /** The resource that manages a host path (a file, directory, symlink, unit file), if any. */
  at(path: string): string | undefined;
}

/**
 * Everything the engine knows about one kind. Every part is required (a kind
 * that has none says `null`), so a forgotten part fails `deno check`.
 */
export interface KindHandler<R extends Resource = Resource> {
  readonly kind: R["kind"];
  readonly schema: z.ZodType<R, unknown>;
  /** The name part of its id (`kind:name`). */
  name(r: R): string;
  /** Where it lives on the host (path-based kinds), else undefined. */
  hostPath(r: R): string | undefined;
  /** Mode given to a new file or directory that declares none. */
  readonly defaultMode: number | null;
  /** Pure render of a file-like kind's bytes. */
  readonly render:
    | ((r: R, secrets?: SecretSource, readSource?: (p: string) => Uint8Array) => Uint8Array)
    | null;
  /** Whether its content may carry secrets (never shown, never diffed). */
  sensitive(r: R): boolean;
  /** Its part of the one probe. */
  probe(r: R, index: number, probe: ProbeBuilder): void;
  /** Its state from its probe lines. */
  parse(r: R, tags: ProbeTags): State;
  /** The desired state rendered on the controller. */
  desired(r: R, context: DesiredContext): Desired;
  /** Action and structured drift from desired vs current state. */
  diff(r: R, desired: Desired, state: State): Verdict;
  /** The `after` a change carries: desired plus what is kept from the host or defaulted. */
  after(r: R, desired: Desired, state: State | undefined, action: Verdict["action"]): Desired;
  /** A second look once every verdict of the host is known (e.g. restart on env changes). */
  relate(r: R, verdict: Verdict, context: RelateContext): Verdict;
  /** Ids this resource must come after, inferred from its own fields. */
  edges(r: R, graph: GraphIndex): Iterable<string>;
  readonly role: ServiceRole;
  /**
   * Whether the host keeps an inventory of what hostkit created of this kind, so a
   * plan can warn about one no resource declares any more (a renamed unit still running).
   */
  readonly inventoried: boolean;
  /** Its apply steps. */
  compile(change: ChangeOf<R>, context: CompileContext): void;
  /** The down change of an applied change, or why there is none. */
  invert(change: ChangeOf<R>, context: InvertContext): Change | string;
  /** Lines the plan text shows under a change, so a reviewer sees what apply runs. */
  explain(change: ChangeOf<R>): string[];
}

/** Type of the registry: exactly one handler per kind. */
export type KindRegistry = { readonly [K in ResourceKind]: KindHandler<ResourceOf<K>> };

export type { Drift, Verdict };
