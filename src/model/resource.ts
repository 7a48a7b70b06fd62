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
  /** The provider whose word declared it (name and version), with the intent it records. */
  provider: z.strictObject({
    name: z.string(),
    version: z.string(),
    intent: z.record(z.string(), z.string()).optional(),
  }).optional(),
};

const unitRef = z.string().regex(
  /^[A-Za-z0-9@._:-]+\.(service|socket|target|timer|path|mount)$/,
  "must be a unit name such as nginx.service",
);

/**
 * Units to reload or restart once, after the writes, when the resource changes.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const NotifySchema = z.strictObject({
  reload: z.array(unitRef).default([]),
  restart: z.array(unitRef).default([]),
});

/** What every file-like resource may add: a check of the staged file, and handlers. */
const fileChecks = {
  /**
   * A command run on the host before the staged file replaces the old one; `%s`
   * is the staged file's path. Without `%s` the command sees the staged files in
   * place of the old ones (a private mount namespace), e.g. `nginx -t`.
   */
  validate: z.string().min(1).refine((c) => !/[\n\0]/.test(c), "must be one line").optional(),
  notify: NotifySchema.optional(),
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
  /** The storage volume it was made from (`s.storage(…)`), for backups and policies. */
  storage: z.strictObject({ name: z.string(), backup: z.boolean(), secret: z.boolean() })
    .optional(),
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
  /** Never diffed or previewed; the plan text shows its hash and size only. */
  sensitive: z.boolean().default(false),
  ...ownership,
  rollback: RollbackSchema.default("delete_if_created"),
  ...fileChecks,
  ...common,
});

export const SymlinkSchema = z.strictObject({
  kind: z.literal("symlink"),
  path: absolutePath,
  target: z.string().min(1),
  /** The link's own owner and group (`chown -h`); a link has no mode of its own. */
  owner: userName.optional(),
  group: userName.optional(),
  rollback: RollbackSchema.default("delete_if_created"),
  ...common,
});

/**
 * One line hostkit keeps in a file it does not otherwise manage (an `import`
 * in a main config, an `include`): appended once, removed by its down.
 */
export const ManagedLineSchema = z.strictObject({
  kind: z.literal("managed_line"),
  path: absolutePath,
  line: z.string().min(1).refine((l) => !/[\n\r\0]/.test(l), "must be one line"),
  rollback: RollbackSchema.default("delete_if_created"),
  ...fileChecks,
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
  ...fileChecks,
  ...common,
});

const directives = z.array(z.tuple([z.string(), z.string()]));

/** Unit file sections in order; each an ordered directive list. */
export const UnitSectionsSchema = z.array(z.tuple([z.string(), directives]));

/**
 * Validates a {@link Listener}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const ListenerSchema = z.strictObject({
  name: z.string(),
  port: z.number().int().min(1).max(65535),
  address: z.string(),
});

/**
 * Validates a {@link Monitor}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
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
  /** The network policy as declared (also rendered as IPAddressDeny=/IPAddressAllow=). */
  networkPolicy: z.strictObject({
    deny: z.string().optional(),
    allow: z.array(z.string()).default([]),
  }).optional(),
  rollback: RollbackSchema.default("delete_if_created"),
  ...unitMetadata,
  ...fileChecks,
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
  ...fileChecks,
  ...common,
});

/** A program and its arguments, run without a shell. */
export const ExecSchema = z.array(z.string()).min(1);

/** Where a mise binary is downloaded from when missing: an http(s) URL and its sha256. */
export const MiseDownloadSchema = z.strictObject({
  url: z.string().max(2000).regex(/^https?:\/\/[^\s'"\\`$]+$/, "must be an http(s) URL"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
});

/** `runtime: "mise"` on a command: it runs inside `mise exec tool@version… --`. */
export const MiseRuntimeSchema = z.strictObject({
  kind: z.literal("mise"),
  miseBinary: absolutePath,
  systemDataDir: absolutePath,
  tools: z.array(z.strictObject({ name: z.string().min(1), version: z.string().min(1) })).min(1),
});

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
  /** Environment variables the command runs with (it gets no other of the apply's). */
  env: z.record(envKey, z.string().refine((v) => !/[\n\0]/.test(v), "must be one line")).default(
    {},
  ),
  /** Run inside mise-managed tools. */
  runtime: MiseRuntimeSchema.optional(),
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
  /** Where the mise binary comes from when missing (default: the pinned npm tarball on x86_64). */
  download: MiseDownloadSchema.optional(),
  rollback: RollbackSchema.default("keep"),
  ...common,
});

/**
 * Validates any resource and fills in its defaults (`dependsOn`, `rollback`, …).
 *
 * @example
 * ```ts
 * import { ResourceSchema } from "./resource.ts";
 * const dir = ResourceSchema.parse({ kind: "directory", path: "/srv/app" });
 * dir.dependsOn; // []
 * ```
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const ResourceSchema = z.discriminatedUnion("kind", [
  AccountSchema,
  DirectorySchema,
  FileSchema,
  SymlinkSchema,
  ManagedLineSchema,
  EnvFileSchema,
  SystemdServiceSchema,
  SystemdTimerSchema,
  CommandSchema,
  PackageSchema,
  MiseToolSchema,
]);

/** Any resource hostkit manages, as plain data; `kind` tells which (see {@link ResourceKind}). */
export type Resource = ReturnType<typeof ResourceSchema.parse>;
/** The kinds of resource: `account`, `directory`, `file`, `symlink`, `managed_line`, `env_file`, units, `command`, `package`, `mise_tool`. */
export type ResourceKind = Resource["kind"];
export type Account = z.infer<typeof AccountSchema>;
export type Directory = z.infer<typeof DirectorySchema>;
export type FileResource = z.infer<typeof FileSchema>;
export type Symlink = z.infer<typeof SymlinkSchema>;
export type ManagedLine = z.infer<typeof ManagedLineSchema>;
export type EnvFile = z.infer<typeof EnvFileSchema>;
export type EnvEntry = z.infer<typeof EnvEntrySchema>;
export type SystemdService = z.infer<typeof SystemdServiceSchema>;
export type SystemdTimer = z.infer<typeof SystemdTimerSchema>;
export type Command = z.infer<typeof CommandSchema>;
export type Package = z.infer<typeof PackageSchema>;
export type MiseTool = z.infer<typeof MiseToolSchema>;
/** A named port a service listens on (`d.listen("http", 4000)`), with the address it binds. */
export type Listener = ReturnType<typeof ListenerSchema.parse>;
/** A health check a unit declares for monitoring: its type (`http`, `port`, …), options and severity. */
export type Monitor = ReturnType<typeof MonitorSchema.parse>;
export type Content = z.infer<typeof ContentSchema>;
/** Units reloaded or restarted once, after the writes of an apply, when the resource changes. */
export type Notify = ReturnType<typeof NotifySchema.parse>;
export type UnitSections = z.infer<typeof UnitSectionsSchema>;

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

/** The name part of a resource id: a path, a name, or `path:line` for a line in a file. */
export function resourceName(resource: Resource): string {
  if ("line" in resource) return `${resource.path}:${resource.line}`;
  return "path" in resource ? resource.path : resource.name;
}
