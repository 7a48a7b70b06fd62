/**
 * The mutable state a `project(...)` call builds before it is validated.
 *
 * @module
 */
import type { FirewallPolicy } from "../model/firewall.ts";
import type { Listener } from "../model/resource.ts";
import type { Provider } from "../providers/define.ts";

/** What the scopes of one project accumulate. */
export interface Draft {
  name: string;
  roots: Record<string, string>;
  prefixes: Record<string, string>;
  hosts: Record<string, unknown>[];
  services: Record<string, unknown>[];
  resources: Record<string, unknown>[];
  listeners: [string | undefined, Listener][];
  observability: { logs?: Record<string, unknown>; telemetry?: Record<string, unknown> };
  runsRoot?: string;
  /** Enabled providers and their settings (not part of the spec: code stays in the sandbox). */
  enabled: { provider: Provider; settings: Record<string, unknown> }[];
  firewall?: FirewallPolicy;
}
