/**
 * Every resource kind hostkit manages, as zod schemas. A Resource is plain data:
 * the DSL builds it, the planner diffs it, the renderer turns file-like ones
 * into bytes. Its id is `kind:name` (see {@link resourceId}).
 *
 * @module
 */
import { z } from "zod";
import { SecretRefSchema } from "./secret.ts";

const absolutePath = z.string().regex(/^\/(?!.*(^|\/)\.\.?(\/|$)).*/, {
  message: "must be an absolute path without . or .. segments",
}).refine((p) => !p.includes("\0") && !p.includes("\n"), "must not contain NUL or newline");

const userName = z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, "must be a valid user/group name");

/** What a down plan may do with a resource this plan created. */
export const RollbackSchema = z.enum(["delete_if_created", "keep"]);

const common = {
  /** Service the resource belongs to, for grouping and `--only`. */
  service: z.string().optional(),
  /** `file:line` in the config where it was declared. */
  origin: z.string().optional(),
  /** Ids this resource must come after, besides the ones hostkit infers. */
  dependsOn: z.array(z.string()).default([]),
};

const ownership = {
  owner: userName.optional(),
  group: userName.optional(),
  mode: z.number().int().min(0).max(0o7777).optional(),
};

export const AccountSchema = z.strictObject({
  kind: z.literal("account"),
  name: userName,
  system: z.boolean().default(false),
  home: absolutePath.optional(),
  shell: absolutePath.optional(),
  uid: z.number().int().nonnegative().optional(),
  /** Primary group; defaults to a group named like the account. */
  group: userName.optional(),
  groups: z.array(userName).default([]),
  rollback: RollbackSchema.default("keep"),
  ...common,
});

export const DirectorySchema = z.strictObject({
  kind: z.literal("directory"),
  path: absolutePath,
  ...ownership,
  rollback: RollbackSchema.default("keep"),
  ...common,
});

/** A file's desired content. Local sources are read on the controller when planning. */
export const ContentSchema = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({ base64: z.string() }),
  z.strictObject({ source: absolutePath }),
]);

export const FileSchema = z.strictObject({
  kind: z.literal("file"),
  path: absolutePath,
  content: ContentSchema,
  ...ownership,
  rollback: RollbackSchema.default("delete_if_created"),
  ...common,
});

export const SymlinkSchema = z.strictObject({
  kind: z.literal("symlink"),
  path: absolutePath,
  target: z.string().min(1),
  rollback: RollbackSchema.default("delete_if_created"),
  ...common,
});

const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a valid variable name");

export const EnvEntrySchema = z.union([
  z.strictObject({ key: envKey, value: z.string() }),
  z.strictObject({ key: envKey, secret: SecretRefSchema }),
]);

export const EnvFileSchema = z.strictObject({
  kind: z.literal("env_file"),
  path: absolutePath,
  entries: z.array(EnvEntrySchema),
  ...ownership,
  rollback: RollbackSchema.default("delete_if_created"),
  ...common,
});

const directives = z.array(z.tuple([z.string(), z.string()]));

/** Unit file sections in order; each an ordered directive list. */
export const UnitSectionsSchema = z.array(z.tuple([z.string(), directives]));

export const ListenerSchema = z.strictObject({
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  address: z.string(),
});

export const MonitorSchema = z.strictObject({
  type: z.enum(["systemd", "http", "port", "file", "mix", "git"]),
  options: z.record(z.string(), z.unknown()),
  severity: z.string().default("warning"),
});

const unitMetadata = {
  listeners: z.array(ListenerSchema).default([]),
  logs: z.record(z.string(), z.unknown()).optional(),
  telemetry: z.record(z.string(), z.unknown()).optional(),
  monitors: z.array(MonitorSchema).default([]),
};

export const SystemdServiceSchema = z.strictObject({
  kind: z.literal("systemd_service"),
  name: z.string().regex(
    /^[A-Za-z0-9._:-]+(@[A-Za-z0-9._:-]+)?\.service$/,
    "must be a unit name ending in .service (an instance, not a template: name@instance.service)",
  ),
  sections: UnitSectionsSchema,
  /** Paths of env files the unit reads; a change to one restarts the unit. */
  environmentFiles: z.array(absolutePath).default([]),
  /** Seconds apply watches the unit after (re)starting it (default 1; 0: only check it started). */
  settle: z.number().min(0).max(3600).optional(),
  rollback: RollbackSchema.default("delete_if_created"),
  ...unitMetadata,
  ...common,
});

export const SystemdTimerSchema = z.strictObject({
  kind: z.literal("systemd_timer"),
  name: z.string().regex(/^[A-Za-z0-9@._:-]+\.timer$/, "must be a unit name ending in .timer"),
  sections: UnitSectionsSchema,
  /** The service it triggers. */
  unit: z.string(),
  rollback: RollbackSchema.default("delete_if_created"),
  ...unitMetadata,
  ...common,
});

/** A program and its arguments, run without a shell. */
export const ExecSchema = z.array(z.string()).min(1);

export const CommandSchema = z.strictObject({
  kind: z.literal("command"),
  name: z.string().min(1),
  exec: ExecSchema,
  phase: z.enum(["before_start", "after_start", "always"]).default("before_start"),
  /** What a down plan runs instead; `irreversible` warns and omits it. */
  down: z.union([ExecSchema, z.literal("noop"), z.literal("irreversible")]).default("irreversible"),
  /** Skip when this path exists on the host. */
  creates: absolutePath.optional(),
  /** Skip when this shell test succeeds on the host. */
  unless: z.string().optional(),
  user: userName.optional(),
  cwd: absolutePath.optional(),
  ...common,
});

export const PackageSchema = z.strictObject({
  kind: z.literal("package"),
  name: z.string().min(1),
  /** The distribution's package name, when it differs from the semantic name. */
  as: z.string().optional(),
  update: z.boolean().default(false),
  manager: z.enum(["apt", "dnf", "apk", "pacman"]).optional(),
  version: z.string().optional(),
  rollback: RollbackSchema.default("keep"),
  ...common,
});

export const MiseToolSchema = z.strictObject({
  kind: z.literal("mise_tool"),
  name: z.string().min(1),
  version: z.string().min(1),
  miseBinary: absolutePath.default("/usr/local/bin/mise"),
  systemDataDir: absolutePath.default("/usr/local/share/mise"),
  rollback: RollbackSchema.default("keep"),
  ...common,
});

/** Any resource. */
export const ResourceSchema = z.discriminatedUnion("kind", [
  AccountSchema,
  DirectorySchema,
  FileSchema,
  SymlinkSchema,
  EnvFileSchema,
  SystemdServiceSchema,
  SystemdTimerSchema,
  CommandSchema,
  PackageSchema,
  MiseToolSchema,
]);

export type Resource = z.infer<typeof ResourceSchema>;
export type ResourceKind = Resource["kind"];
export type Account = z.infer<typeof AccountSchema>;
export type Directory = z.infer<typeof DirectorySchema>;
export type FileResource = z.infer<typeof FileSchema>;
export type Symlink = z.infer<typeof SymlinkSchema>;
export type EnvFile = z.infer<typeof EnvFileSchema>;
export type EnvEntry = z.infer<typeof EnvEntrySchema>;
export type SystemdService = z.infer<typeof SystemdServiceSchema>;
export type SystemdTimer = z.infer<typeof SystemdTimerSchema>;
export type Command = z.infer<typeof CommandSchema>;
export type Package = z.infer<typeof PackageSchema>;
export type MiseTool = z.infer<typeof MiseToolSchema>;
export type Listener = z.infer<typeof ListenerSchema>;
export type Monitor = z.infer<typeof MonitorSchema>;
export type Content = z.infer<typeof ContentSchema>;
export type UnitSections = z.infer<typeof UnitSectionsSchema>;

/** Kinds whose state is a file on the host. */
export const FILE_KINDS = ["file", "env_file", "systemd_service", "systemd_timer"] as const;

/** A resource that is a file on the host. */
export type FileLike = Extract<Resource, { kind: (typeof FILE_KINDS)[number] }>;

/**
 * The stable id of a resource: `kind:name`, where name is the path for
 * path-based kinds.
 *
 * @example
 * ```ts
 * import { resourceId } from "./resource.ts";
 * resourceId({ kind: "directory", path: "/srv/app" } as never); // "directory:/srv/app"
 * ```
 */
export function resourceId(resource: Resource): string {
  return `${resource.kind}:${resourceName(resource)}`;
}

/** The name part of a resource id. */
export function resourceName(resource: Resource): string {
  return "path" in resource ? resource.path : resource.name;
}

/**
 * Where a resource lives on the host, for kinds that are files.
 *
 * @example
 * ```ts
 * import { hostPath } from "./resource.ts";
 * hostPath({ kind: "systemd_service", name: "app.service" } as never);
 * // "/etc/systemd/system/app.service"
 * ```
 */
export function hostPath(resource: Resource): string | undefined {
  switch (resource.kind) {
    case "file":
    case "env_file":
    case "directory":
    case "symlink":
      return resource.path;
    case "systemd_service":
    case "systemd_timer":
      return `/etc/systemd/system/${resource.name}`;
    default:
      return undefined;
  }
}

/** Whether a resource is file-like (content rendered by hostkit). */
export function isFileLike(resource: Resource): resource is FileLike {
  return (FILE_KINDS as readonly string[]).includes(resource.kind);
}
