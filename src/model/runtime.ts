/**
 * Runtime isolation values shared by persistent units and transient runtimes:
 * a sandbox (hardening profile and/or explicit settings) and resource limits,
 * each convertible to systemd [Service] directives.
 *
 * @module
 */
import { z } from "zod";
import { checkOptions, is, type OptionShape, wordError } from "../dsl/options.ts";
import {
  directiveName,
  type Directives,
  directiveValue,
  RESOURCE_PROFILES,
  resourceDirectives,
  type ResourceLimits,
  SANDBOX_PROFILES,
  sandboxDirectives,
  type SandboxOptions,
} from "./systemd.ts";

/** A hardening profile (or none) and its explicit settings. */
export interface Sandbox {
  /** The hardening profile, when one was named. */
  profile?: string;
  /** Settings over the profile (or all of them, without one), by directive name. */
  overrides: SandboxOptions;
}

/** Resource limits, from a profile and/or explicit values. */
export interface Resources {
  /** The resource profile, when one was named. */
  profile?: string;
  /** Limits over the profile's. */
  limits: ResourceLimits;
}

/** The check of every resource limit option, shared with the daemon words. */
export const RESOURCE_LIMIT_OPTIONS: OptionShape<ResourceLimits> = {
  memoryMax: z.union([
    z.string().regex(
      /^(\d+(\.\d+)?[KMGT]?|\d+(\.\d+)?%|infinity)$/,
      "bytes with K/M/G/T, a percentage, or infinity",
    ),
    is.count,
  ]),
  memoryHigh: z.union([
    z.string().regex(
      /^(\d+(\.\d+)?[KMGT]?|\d+(\.\d+)?%|infinity)$/,
      "bytes with K/M/G/T, a percentage, or infinity",
    ),
    is.count,
  ]),
  cpuQuota: z.string().regex(/^\d+(\.\d+)?%$/, "a percentage such as 50%"),
  cpuWeight: z.union([z.number().int().min(1).max(10000), z.literal("idle")]),
  tasksMax: z.union([
    is.count,
    z.string().regex(/^(\d+%?|infinity)$/, "a count, a percentage, or infinity"),
  ]),
  ioWeight: z.number().int().min(1).max(10000),
};

const sandboxValue = z.union([z.string(), z.boolean(), z.number(), z.array(z.string())]);

function checkSandboxSettings(word: string, settings: unknown): SandboxOptions {
  if (settings === undefined) return {};
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw wordError(word, "expected an object of sandbox settings");
  }
  for (const [key, value] of Object.entries(settings)) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) {
      throw wordError(word, `${JSON.stringify(key)} is not a directive name`);
    }
    if (!sandboxValue.safeParse(value).success) {
      throw wordError(word, `option ${key}: expected a string, boolean, number or string list`);
    }
  }
  return settings as SandboxOptions;
}

/**
 * Sandbox values, as the reference's `HostKit.Runtime.Sandbox`.
 *
 * @example
 * ```ts
 * import { Sandbox } from "./runtime.ts";
 * const strict = Sandbox.new("strict_web", { privateNetwork: true });
 * Sandbox.toSystemdServiceOptions(strict); // [["NoNewPrivileges","yes"], …]
 * const explicit = Sandbox.new({ noNewPrivileges: true, readWritePaths: ["/srv/app"] });
 * ```
 */
export const Sandbox = {
  /**
   * A sandbox from a profile (`web_service`, `strict_web`, `vibe_dev`, …) with
   * optional settings, or from explicit settings alone; unknown profiles throw.
   */
  new(profileOrSettings?: string | SandboxOptions, overrides?: SandboxOptions): Sandbox {
    if (typeof profileOrSettings === "string") {
      const settings = checkSandboxSettings("Sandbox.new", overrides);
      if (!(profileOrSettings in SANDBOX_PROFILES)) {
        throw wordError(
          "Sandbox.new",
          `unknown sandbox profile ${JSON.stringify(profileOrSettings)} (known: ${
            Object.keys(SANDBOX_PROFILES).join(", ")
          })`,
        );
      }
      return { profile: profileOrSettings, overrides: settings };
    }
    if (overrides !== undefined) {
      throw wordError(
        "Sandbox.new",
        "takes settings once: Sandbox.new(profile, settings) or Sandbox.new(settings)",
      );
    }
    return { overrides: checkSandboxSettings("Sandbox.new", profileOrSettings) };
  },
  /** The sandbox as [Service] directives. */
  toSystemdServiceOptions(sandbox: Sandbox): Directives {
    if (sandbox.profile !== undefined) return sandboxDirectives(sandbox.profile, sandbox.overrides);
    return Object.entries(sandbox.overrides).map((
      [key, value],
    ) => [directiveName(key), directiveValue(value)]);
  },
  /** The profile names. */
  profiles(): string[] {
    return Object.keys(SANDBOX_PROFILES);
  },
};

/**
 * Resource limits, as the reference's `HostKit.Runtime.Resources`.
 *
 * @example
 * ```ts
 * import { Resources } from "./runtime.ts";
 * Resources.toSystemdServiceOptions(Resources.new({ memoryMax: "512M", cpuWeight: 200 }));
 * // [["MemoryMax","512M"],["CPUWeight","200"]]
 * ```
 */
export const Resources = {
  /** Limits from a profile name (`small`, `medium`, `large`, …) or explicit values. */
  new(profileOrLimits: string | ResourceLimits, overrides?: ResourceLimits): Resources {
    if (typeof profileOrLimits === "string") {
      if (!(profileOrLimits in RESOURCE_PROFILES)) {
        throw wordError(
          "Resources.new",
          `unknown resource profile ${JSON.stringify(profileOrLimits)} (known: ${
            Object.keys(RESOURCE_PROFILES).join(", ")
          })`,
        );
      }
      const limits = checkOptions("Resources.new", overrides, RESOURCE_LIMIT_OPTIONS);
      return { profile: profileOrLimits, limits };
    }
    const limits = {
      ...checkOptions("Resources.new", profileOrLimits, RESOURCE_LIMIT_OPTIONS),
      ...checkOptions("Resources.new", overrides, RESOURCE_LIMIT_OPTIONS),
    };
    return { limits };
  },
  /** The limits as [Service] directives. */
  toSystemdServiceOptions(resources: Resources): Directives {
    return resourceDirectives(resources.profile, resources.limits);
  },
};
