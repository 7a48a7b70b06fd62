/**
 * Runtime isolation values shared by persistent units and transient runtimes:
 * a sandbox (hardening profile plus overrides) and resource limits, each
 * convertible to systemd [Service] directives.
 *
 * @module
 */
import {
  type Directives,
  resourceDirectives,
  type ResourceLimits,
  sandboxDirectives,
  type SandboxOptions,
} from "./systemd.ts";

/** A hardening profile and its overrides. */
export interface Sandbox {
  profile: string;
  overrides: SandboxOptions;
}

/** Resource limits, from a profile and/or explicit values. */
export interface Resources {
  profile?: string;
  limits: ResourceLimits;
}

/**
 * Sandbox values, as the reference's `HostKit.Runtime.Sandbox`.
 *
 * @example
 * ```ts
 * import { Sandbox } from "./runtime.ts";
 * const strict = Sandbox.new("strict_web", { privateNetwork: true });
 * Sandbox.toSystemdServiceOptions(strict); // [["NoNewPrivileges","yes"], …]
 * ```
 */
export const Sandbox = {
  /** A sandbox from a profile (`web_service`, `strict_web`, `vibe_dev`, …); unknown names throw. */
  new(profile: string, overrides: SandboxOptions = {}): Sandbox {
    sandboxDirectives(profile, overrides);
    return { profile, overrides };
  },
  /** The sandbox as [Service] directives. */
  toSystemdServiceOptions(sandbox: Sandbox): Directives {
    return sandboxDirectives(sandbox.profile, sandbox.overrides);
  },
};

/**
 * Resource limits, as the reference's `HostKit.Runtime.Resources`.
 *
 * @example
 * ```ts
 * import { Resources } from "./runtime.ts";
 * Resources.toSystemdServiceOptions(Resources.new({ memoryMax: "512M", cpuQuota: "50%" }));
 * // [["MemoryMax","512M"],["CPUQuota","50%"]]
 * ```
 */
export const Resources = {
  /** Limits from a profile name (`small`, `medium`, `large`, …) or explicit values. */
  new(profileOrLimits: string | ResourceLimits, overrides: ResourceLimits = {}): Resources {
    const resources = typeof profileOrLimits === "string"
      ? { profile: profileOrLimits, limits: overrides }
      : { limits: { ...profileOrLimits, ...overrides } };
    resourceDirectives(resources.profile, resources.limits);
    return resources;
  },
  /** The limits as [Service] directives. */
  toSystemdServiceOptions(resources: Resources): Directives {
    return resourceDirectives(resources.profile, resources.limits);
  },
};
