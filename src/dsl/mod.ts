/**
 * The config DSL: what `import … from "hostkit"` gives a config module.
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
export type { StorageOptions } from "./service.ts";
export { ResourceScope } from "./scope.ts";
export type * from "./scope.ts";
export { DaemonScope } from "./daemon.ts";
export type { RunOptions as DaemonRunOptions, SandboxOverrides } from "./daemon.ts";
export { TimerScope } from "./timer.ts";
export { EnvFileScope } from "./env_file.ts";
export { HostScope } from "./host.ts";
export { FirewallScope } from "./firewall.ts";
export type { PortsInput, RuleOptions } from "./firewall.ts";
export type { HostOptions, SshOptions } from "./host.ts";
export { conventions, isConventions } from "./conventions.ts";
export type { Conventions, ConventionsOptions, ServiceTemplate } from "./conventions.ts";
export { readWritePaths, volume } from "./storage.ts";
export { defineProvider } from "../providers/define.ts";
export type * from "../providers/define.ts";
export type { ProjectOptions } from "./project.ts";
export type { ProviderSettingsScope } from "./providers.ts";
export { caddy, CaddySiteScope } from "../providers/caddy/mod.ts";
export type { VolumeOptions } from "./storage.ts";
export { secretEnv } from "../model/secret.ts";
export type { SecretRef } from "../model/secret.ts";
export { normalizeMode } from "../model/mode.ts";
export type { ModeInput } from "../model/mode.ts";
export type { ProjectSpec, Volume } from "../model/project.ts";
