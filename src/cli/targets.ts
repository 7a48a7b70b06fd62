/**
 * Target flags shared by every command that reaches a host, and their
 * resolution into open {@link Target}s.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { HostSpec, ProjectSpec } from "../model/project.ts";
import { resolveSecret, type SecretRef } from "../model/secret.ts";
import type { Target } from "../transport/target.ts";
import type { TargetRef } from "../plan/types.ts";
import { type Flags, type FlagSpec, listFlag, numberFlag, stringFlag } from "./args.ts";
import {
  closeEarlyTargets,
  type EarlyTarget,
  type HostConnection,
  openEarlyTargets,
  rememberHosts,
  takeEarlyTarget,
} from "./early_targets.ts";

/** The flags of {@link resolveTargets}. */
export const TARGET_FLAGS: Record<string, FlagSpec> = {
  local: { type: "boolean", description: "Use this machine as the target" },
  host: {
    type: "string",
    multiple: true,
    value: "NAME",
    description: "A host declared in the config",
  },
  "all-hosts": { type: "boolean", description: "Every host declared in the config" },
  remote: {
    type: "string",
    value: "HOST",
    description: "Raw SSH target (escape hatch): address or name",
  },
  user: { type: "string", value: "USER", description: "SSH user for --remote (default $USER)" },
  port: { type: "string", value: "PORT", description: "SSH port for --remote (default 22)" },
  "identity-file": { type: "string", value: "FILE", description: "Private key for --remote" },
  "password-env": {
    type: "string",
    value: "VAR",
    description: "SSH password from environment variable VAR",
  },
  password: {
    type: "string",
    value: "PASSWORD",
    description: "SSH password for --remote, raw (escape hatch: other local users can read a " +
      "command line; prefer --password-env)",
  },
  sudo: { type: "boolean", description: "Run everything on the target under sudo" },
  "sudo-password-env": {
    type: "string",
    value: "VAR",
    description: "sudo password from environment variable VAR",
  },
  "known-hosts": {
    type: "string",
    multiple: true,
    value: "FILE",
    description: "Extra known_hosts file",
  },
  "accept-new-host-key": {
    type: "boolean",
    description: "Trust an unknown host key on first use and record it (no password or sudo " +
      "password is sent to a host whose key is not already known)",
  },
  "silently-accept-hosts": {
    type: "boolean",
    description: "Do not verify host keys at all (unsafe; no password is sent then)",
  },
  parallel: { type: "string", value: "N", description: "Hosts handled at once (default 10)" },
};

/** Resolved targets, closed together. */
export interface Targets {
  targets: Target[];
  close(): Promise<void>;
}

const RAW_ONLY = ["user", "port", "identity-file", "password-env", "password"];

/**
 * The environment variable with which the operator lets configs relax host-key
 * checks (`silentlyAcceptHosts`, `acceptNewHostKeys`): a config declares its own
 * hosts, so its word alone must not turn verification off.
 */
export const ALLOW_CONFIG_HOST_KEYS = "HOSTKIT_ALLOW_CONFIG_HOST_KEYS";

const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.error(`warning: ${message}`);
}

/** The host-key policy: the operator's flags, or the config's wish when the operator allows it. */
function hostKeyPolicy(
  host: HostConnection,
  flags: Flags,
  warn: boolean,
): "strict" | "accept-new" | "accept-any" {
  const wish = host.ssh.silentlyAcceptHosts
    ? "accept-any" as const
    : host.ssh.acceptNewHostKeys
    ? "accept-new" as const
    : undefined;
  if (flags["silently-accept-hosts"]) return "accept-any";
  const allowed = env(ALLOW_CONFIG_HOST_KEYS) === "1";
  if (wish && allowed) return wish;
  if (wish && warn) {
    warnOnce(
      `host ${host.name}: the config asks to ${
        wish === "accept-any" ? "accept any host key" : "trust new host keys"
      }; ignored (configs cannot relax host-key checks on their own: pass ` +
        `--accept-new-host-key, or set ${ALLOW_CONFIG_HOST_KEYS}=1 to honour the config)`,
    );
  }
  return flags["accept-new-host-key"] ? "accept-new" : "strict";
}

/** The raw `--password`, with the warning it deserves; its value is never printed. */
function rawPassword(flags: Flags): string | undefined {
  const password = stringFlag(flags, "password");
  if (password === undefined) return undefined;
  warnOnce(
    "--password puts the password on the command line, where other users of this machine " +
      "can read it (ps, /proc); prefer --password-env VAR",
  );
  return password;
}

function env(name: string): string | undefined {
  return Deno.env.get(name);
}

function secretFromFlag(flags: Flags, flag: string): string | undefined {
  const variable = stringFlag(flags, flag);
  if (variable === undefined) return undefined;
  const ref: SecretRef = { $secret: { env: variable } };
  return resolveSecret(ref, env, `--${flag}`);
}

function sshFromHost(host: HostConnection, flags: Flags, warn = true) {
  const secret = (ref: SecretRef | undefined, purpose: string) =>
    ref ? resolveSecret(ref, env, `${purpose} of host ${host.name}`) : undefined;
  const policy = hostKeyPolicy(host, flags, warn);
  return {
    name: host.name,
    host: host.hostname,
    port: host.ssh.port ?? 22,
    user: host.user ?? env("USER") ?? "root",
    identityFile: host.ssh.identityFile,
    identityPassphrase: secret(host.ssh.identityPassphrase, "identity passphrase"),
    password: secretFromFlag(flags, "password-env") ?? rawPassword(flags) ??
      secret(host.ssh.password, "SSH password"),
    sudo: host.sudo || flags.sudo === true,
    sudoPassword: secretFromFlag(flags, "sudo-password-env") ??
      secret(host.ssh.sudoPassword, "sudo password"),
    hostKeyPolicy: policy,
    knownHostsFiles: [...host.ssh.knownHostsFiles, ...listFlag(flags, "known-hosts")],
    ...(host.ssh.connectTimeoutMs ? { connectTimeoutMs: host.ssh.connectTimeoutMs } : {}),
    ...(host.ssh.retry ? { retry: host.ssh.retry } : {}),
  };
}

/**
 * Starts loading the SSH transport (ssh2 takes ~50 ms to import) while the config loads, when
 * the flags will need it, and opens the connections early: to the `--remote` host, or to the
 * `--host`/`--all-hosts` hosts that `config`'s last run connected to (early_targets.ts). Only
 * under strict host-key checking and with keys (no SSH or sudo password): an early connection
 * never records a host key and never sends a password. The config's own
 * hosts, once evaluated, take a connection only if it was opened with exactly their options.
 * Returns the names of the hosts it connects to early (callers need not wait for it).
 *
 * @example
 * ```ts
 * import { preloadTransport } from "./targets.ts";
 * const early = await preloadTransport({ host: ["prod"] }, "infra/config.ts");
 * console.log(early); // ["prod"] once a run of this config has connected to prod
 * ```
 */
export function preloadTransport(flags: Flags, config?: string): Promise<string[]> {
  if (!hasTargetFlags(flags) || flags.local) return Promise.resolve([]);
  const transport = import("../transport/ssh.ts");
  transport.catch(() => {});
  const names = listFlag(flags, "host");
  // Target flags resolveTargets will refuse: nothing is opened for a bad command line.
  if (flags.remote && (names.length || flags["all-hosts"])) return Promise.resolve([]);
  const opened = openEarlyTargets(flags.remote ? undefined : config, async (recorded) => {
    const hosts = flags.remote
      ? [rawHost(flags)]
      : recorded.filter((host) => flags["all-hosts"] || names.includes(host.name));
    const { sshTarget } = await transport;
    const early: EarlyTarget[] = [];
    for (const host of hosts.slice(0, numberFlag(flags, "parallel", 10))) {
      try {
        const input = sshFromHost(host, flags, false);
        // Keys only: a signature is bound to its session, a password is not. A record names
        // its own known_hosts files, so a tampered one must not be able to collect a password.
        if (input.hostKeyPolicy !== "strict" || input.password || input.sudoPassword) continue;
        const target = sshTarget(input);
        target.open?.();
        early.push({ key: JSON.stringify(input), target });
      } catch { /* resolveTargets reports what is wrong with it */ }
    }
    return early;
  });
  return opened.then((early) => early.map(({ target }) => target.name));
}

/**
 * Targets for a saved plan's hosts: a host declared in the config uses its
 * settings; otherwise the plan's recorded address, with `--identity-file`,
 * `--password-env`, `--sudo-password-env` and the host-key flags applied.
 *
 * @example
 * ```ts
 * import { targetsForRefs } from "./targets.ts";
 * import { loadPlan } from "../plan/mod.ts";
 *
 * const saved = await loadPlan("up.plan.json");
 * const refs = saved.hosts.map((host) => host.target);
 * const { targets, close } = await targetsForRefs(refs, { "identity-file": "~/.ssh/id_ed25519" }, undefined);
 * ```
 */
export async function targetsForRefs(
  refs: TargetRef[],
  flags: Flags,
  project: ProjectSpec | undefined,
): Promise<Targets> {
  const misplaced = ["user", "port"].filter((f) => flags[f] !== undefined);
  if (misplaced.length) {
    throw new HostkitError(
      "usage",
      `--${misplaced.join(", --")}: a saved plan names its hosts' addresses`,
    );
  }
  const targets: Target[] = [];
  for (const ref of refs) {
    if (ref.kind === "local") {
      const { localTarget } = await import("../transport/local.ts");
      targets.push(localTarget({ sudo: ref.sudo || flags.sudo === true }));
    } else if (ref.kind === "ssh") {
      const { sshTarget } = await import("../transport/ssh.ts");
      const declared = project?.hosts.find((h) => h.name === ref.name);
      const host: HostSpec = declared ?? {
        name: ref.name,
        hostname: ref.host,
        user: ref.user,
        sudo: ref.sudo,
        ssh: {
          port: ref.port,
          identityFile: stringFlag(flags, "identity-file"),
          silentlyAcceptHosts: false,
          acceptNewHostKeys: false,
          knownHostsFiles: [],
        },
      };
      targets.push(sshTarget(sshFromHost(host, flags)));
    }
  }
  return { targets, close: async () => void await Promise.all(targets.map((t) => t.close())) };
}

/**
 * Refuses flags that only shape a connection when no target was chosen (they would be
 * silently ignored, and the plan would not be what the operator asked for).
 *
 * @example
 * ```ts
 * import { refuseTargetlessFlags } from "./targets.ts";
 * refuseTargetlessFlags({ user: "x", sudo: true }); // throws a usage error
 * ```
 */
export function refuseTargetlessFlags(flags: Flags): void {
  if (hasTargetFlags(flags)) return;
  const given = Object.keys(TARGET_FLAGS).filter((name) => flags[name] !== undefined);
  if (given.length) {
    throw new HostkitError(
      "usage",
      `--${given.join(", --")} ${given.length === 1 ? "needs" : "need"} a target ` +
        "(--local, --host NAME, --all-hosts or --remote HOST); without one the plan is offline",
    );
  }
}

/** The `--remote HOST` target with `--user`, `--port` and `--identity-file`. */
function rawHost(flags: Flags): HostConnection {
  const port = stringFlag(flags, "port");
  if (port !== undefined && !/^\d+$/.test(port)) {
    throw new HostkitError("usage", `--port wants a number, got ${JSON.stringify(port)}`);
  }
  return {
    name: stringFlag(flags, "remote")!,
    hostname: stringFlag(flags, "remote")!,
    user: stringFlag(flags, "user"),
    sudo: false,
    ssh: {
      port: port === undefined ? undefined : Number(port),
      identityFile: stringFlag(flags, "identity-file"),
      silentlyAcceptHosts: false,
      acceptNewHostKeys: false,
      knownHostsFiles: [],
    },
  };
}

/** Whether any target flag was given. */
export function hasTargetFlags(flags: Flags): boolean {
  return Boolean(
    flags.local || flags["all-hosts"] || listFlag(flags, "host").length || flags.remote,
  );
}

/**
 * The targets the flags name: `--local`, `--host NAME…`, `--all-hosts`, or the raw
 * `--remote HOST …`. Bad combinations are usage errors; a missing secret variable
 * is an input error naming it. SSH targets connect lazily, on first use.
 *
 * @example
 * ```ts
 * import { resolveTargets } from "./targets.ts";
 * import { project } from "../dsl/mod.ts";
 *
 * const demo = project("demo", (p) => p.directory("/srv/app"));
 * const { targets, close } = await resolveTargets({ local: true }, demo);
 * try {
 *   console.log(targets.map((t) => t.name)); // ["local"]
 * } finally {
 *   await close();
 * }
 * ```
 */
export async function resolveTargets(
  flags: Flags,
  project: ProjectSpec | undefined,
): Promise<Targets> {
  const hosts = listFlag(flags, "host");
  const chosen = [
    flags.local && "--local",
    hosts.length && "--host",
    flags["all-hosts"] && "--all-hosts",
    flags.remote && "--remote",
  ]
    .filter(Boolean);
  if (chosen.length > 1) {
    throw new HostkitError(
      "usage",
      `${chosen.join(" and ")} cannot be combined: pick one kind of target`,
    );
  }
  const misplaced = RAW_ONLY.filter((f) => flags[f] !== undefined && !flags.remote);
  if (misplaced.length) {
    throw new HostkitError("usage", `--${misplaced.join(", --")} only go with --remote`);
  }
  numberFlag(flags, "parallel", 10);
  if (flags.local) {
    const { localTarget } = await import("../transport/local.ts");
    const target = localTarget({ sudo: flags.sudo === true });
    return { targets: [target], close: () => target.close() };
  }
  const { sshTarget } = await import("../transport/ssh.ts");
  let inputs: ReturnType<typeof sshFromHost>[];
  if (flags.remote) {
    inputs = [sshFromHost(rawHost(flags), flags)];
  } else {
    if (!project) {
      throw new HostkitError("usage", "--host and --all-hosts need a CONFIG that declares hosts");
    }
    const declared = new Map(project.hosts.map((h) => [h.name, h]));
    const names = flags["all-hosts"] ? [...declared.keys()] : hosts;
    if (names.length === 0) {
      throw new HostkitError("usage", `--all-hosts: ${project.name} declares no hosts`);
    }
    inputs = names.map((name) => {
      const host = declared.get(name);
      if (!host) {
        throw new HostkitError(
          "usage",
          `--host ${name}: no such host in ${project.name} (declared: ${
            [...declared.keys()].join(", ") || "none"
          })`,
        );
      }
      return sshFromHost(host, flags);
    });
    await rememberHosts(names.map((name) => declared.get(name)!));
  }
  const targets = await Promise.all(
    inputs.map(async (input) => await takeEarlyTarget(JSON.stringify(input)) ?? sshTarget(input)),
  );
  void closeEarlyTargets(); // the ones the config no longer asks for
  // The first hosts' handshakes run while the caller loads the planner (as many as run at once).
  for (const target of targets.slice(0, numberFlag(flags, "parallel", 10))) target.open?.();
  return { targets, close: async () => void await Promise.all(targets.map((t) => t.close())) };
}
