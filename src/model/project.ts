/**
 * The ProjectSpec: what a config module exports, as plain validated data.
 *
 * @module
 */
import { z } from "zod";
import { FirewallPolicySchema } from "./firewall.ts";
import { ListenerSchema, ResourceSchema } from "./resource.ts";
import { SecretRefSchema } from "./secret.ts";

const absolutePath = z.string().startsWith("/", "must be an absolute path");

export const RetrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(100).default(3),
  baseDelayMs: z.number().int().min(0).default(250),
  maxDelayMs: z.number().int().min(0).default(5000),
});

export const HostSshSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).optional(),
  /** Path on the controller; `~` expands to the controller user's home when connecting. */
  identityFile: z.string().optional(),
  identityPassphrase: SecretRefSchema.optional(),
  password: SecretRefSchema.optional(),
  sudoPassword: SecretRefSchema.optional(),
  /** Trust any host key (the reference's `silently_accept_hosts`). */
  silentlyAcceptHosts: z.boolean().default(false),
  /** Trust a host key on first use and record it. */
  acceptNewHostKeys: z.boolean().default(false),
  knownHostsFiles: z.array(z.string()).default([]),
  connectTimeoutMs: z.number().int().positive().optional(),
  retry: RetrySchema.optional(),
});

export const HostSchema = z.strictObject({
  name: z.string().min(1),
  hostname: z.string().min(1),
  user: z.string().optional(),
  sudo: z.boolean().default(false),
  ssh: HostSshSchema.default({
    silentlyAcceptHosts: false,
    acceptNewHostKeys: false,
    knownHostsFiles: [],
  }),
  firewall: FirewallPolicySchema.optional(),
  origin: z.string().optional(),
});

/**
 * Validates a {@link Volume}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const VolumeSchema = z.strictObject({
  name: z.string().min(1),
  path: absolutePath,
  owner: z.string().optional(),
  group: z.string().optional(),
  mode: z.number().int().min(0).max(0o7777).optional(),
  backup: z.boolean().default(false),
  writable: z.boolean().default(true),
  secret: z.boolean().default(false),
  /** Where the service sees the volume, when it differs from `path` (a bind mount, a container). */
  mountPath: absolutePath.optional(),
});

export const ServiceSchema = z.strictObject({
  name: z.string().min(1),
  workspace: z.string().optional(),
  owner: z.string().optional(),
  listeners: z.array(ListenerSchema).default([]),
  storage: z.array(VolumeSchema).default([]),
});

export const ObservabilitySchema = z.strictObject({
  logs: z.record(z.string(), z.unknown()).optional(),
  telemetry: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Validates a {@link ProjectSpec}.
 *
 * @internal Exported as the validator of this data contract; its type is zod's,
 * which deno doc cannot render, so its docs are those of the type it parses to.
 */
export const ProjectSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a project name: letters, digits, _ . -"),
  roots: z.record(z.string(), absolutePath).default({}),
  prefixes: z.record(z.string(), z.string()).default({}),
  hosts: z.array(HostSchema).default([]),
  services: z.array(ServiceSchema).default([]),
  resources: z.array(ResourceSchema).default([]),
  observability: ObservabilitySchema.default({}),
  firewall: FirewallPolicySchema.optional(),
  /** Where tracked runs keep records and backups on hosts. */
  runsRoot: absolutePath
    .refine((path) => !path.split("/").some((part) => part === "." || part === ".."), {
      message: "must not contain . or .. segments",
    })
    .default("/var/lib/hostkit"),
  /** Providers the project enables (`project(name, { providers }, …)`). */
  providers: z.array(z.strictObject({ name: z.string(), version: z.string() })).default([]),
  /**
   * Controller directories file sources may be read from. Set by the loader
   * (the project directory and `--source-root`s); a config's own value is replaced.
   */
  sourceRoots: z.array(absolutePath).optional(),
});

/** What a config module exports, as plain validated data: the project name, hosts, services, resources and settings. */
export type ProjectSpec = ReturnType<typeof ProjectSchema.parse>;

/**
 * The storage volumes marked `backup: true`, with the service each belongs to,
 * in declaration order: what a backup job must copy.
 *
 * @example
 * ```ts
 * import { backupVolumes, ProjectSchema } from "./project.ts";
 * const spec = ProjectSchema.parse({ name: "demo" });
 * backupVolumes(spec); // []
 * ```
 */
export function backupVolumes(spec: ProjectSpec): { service: string; volume: Volume }[] {
  return spec.services.flatMap((service) =>
    service.storage.filter((v) => v.backup).map((volume) => ({ service: service.name, volume }))
  );
}
export type HostSpec = z.infer<typeof HostSchema>;
export type ServiceSpec = z.infer<typeof ServiceSchema>;
/** A storage volume a service declares (`s.storage(…)`): its name, path and whether it is secret or backed up. */
export type Volume = ReturnType<typeof VolumeSchema.parse>;
