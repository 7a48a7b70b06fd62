/**
 * The config DSL: what `import … from "hostkit"` gives a config module.
 *
 * Every word checks what it is given when the config loads: an unknown
 * option (or an extra argument) is an error naming the config's file:line,
 * the word, the key and the nearest known key; values systemd would reject
 * (`Type=`, `Restart=`, time spans, calendar expressions, directive names)
 * are refused the same way, before any host is read.
 *
 * @example
 * ```ts
 * import { project, secretEnv } from "./mod.ts";
 * export default project("demo", (p) => {
 *   p.service("web", (s) => {
 *     s.envFile("/etc/web/env", (e) => e.secret("TOKEN", secretEnv("TOKEN")));
 *   });
 * });
 * ```
 *
 * @module
 */
export { project, ProjectError, ProjectScope } from "./project.ts";
export type { ObservabilityScope } from "./project.ts";
export { ServiceScope } from "./service.ts";
export type { ServiceOptions, StorageOptions } from "./service.ts";
export { ResourceScope } from "./scope.ts";
export type * from "./scope.ts";
export { DaemonScope } from "./daemon.ts";
export type {
  ListenOptions,
  LogOptions,
  MonitorOptions,
  NetworkPolicy,
  RunOptions as DaemonRunOptions,
  SandboxOverrides,
  TelemetryOptions,
} from "./daemon.ts";
export type { DirectiveInput } from "./sections.ts";
export { TimerScope } from "./timer.ts";
export type { AtOptions, MonthlyOptions } from "./timer.ts";
export { EnvFileScope } from "./env_file.ts";
export { HostScope } from "./host.ts";
export { FirewallScope } from "./firewall.ts";
export type { PortsInput, RuleOptions } from "./firewall.ts";
export type { HostOptions, SshOptions } from "./host.ts";
export { conventions, isConventions } from "./conventions.ts";
export type { Conventions, ConventionsOptions, ServiceTemplate } from "./conventions.ts";
export { mountPath, readWritePaths, volume } from "./storage.ts";
export { defineProvider } from "../providers/define.ts";
export type * from "../providers/define.ts";
export type { ProjectOptions } from "./project.ts";
export type { ProviderSettingsScope } from "./providers.ts";
export { caddy, CaddySiteScope } from "../providers/caddy/mod.ts";
export type { VolumeOptions } from "./storage.ts";
export { secretEnv } from "../model/secret.ts";
export type { SecretRef } from "../model/secret.ts";
export { normalizeMode } from "../model/mode.ts";
export type { ModeInput, PermissionClass, Permissions, SpecialBits } from "../model/mode.ts";
export type { AddressInput } from "../model/address.ts";
export type { ResourceLimits, SandboxOptions } from "../model/systemd.ts";
export type { Listener, Monitor } from "../model/resource.ts";
export { backupVolumes } from "../model/project.ts";
export type { ProjectSpec, Volume } from "../model/project.ts";
export { checkCalendar } from "../model/calendar.ts";
export type { CalendarCheck } from "../model/calendar.ts";
