/**
 * Semantic package names: what a config may write, and which Repology project and binary
 * package rule each one means.
 *
 * A semantic name is the distribution-neutral word a config uses (`ca_certificates`,
 * `openssl_dev`). `_` becomes `-` for the Repology project (`ca-certificates`); a name ending
 * in `_dev` asks for the development package of the project without it (`openssl_dev` →
 * project `openssl`, binary `libssl-dev` on Debian, `openssl-devel` on Fedora); a few
 * capabilities name a project and the binary names that provide them (`cxx_compiler` →
 * project `gcc`, binary `g++` or `gcc-c++`).
 *
 * @module
 */
import { HostkitError } from "../errors.ts";

/**
 * What a package name may look like: letters, digits and `._+-`, starting with a letter or
 * digit, at most 128 characters. Names come from an untrusted config and also name cache
 * files, so nothing else (no `/`, no `..` prefix, no spaces, no control characters) passes.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** How to pick the binary package of a project in one repository. */
export type BinaryRule =
  /** The binary named like the project (or its source package). */
  | { kind: "same" }
  /** The development package (`-dev`, `-devel`) of the project. */
  | { kind: "dev" }
  /** The first of these binary names the repository has. */
  | { kind: "prefer"; names: string[] };

/** A semantic name translated into a Repology query. */
export interface PackageQuery {
  /** The semantic name as the config wrote it. */
  name: string;
  /** The Repology project to ask for. */
  project: string;
  /** How to choose among the project's binary packages. */
  rule: BinaryRule;
}

/** Capabilities whose package is not named after a project. */
const CAPABILITIES: Record<string, { project: string; names: string[] }> = {
  cxx_compiler: { project: "gcc", names: ["g++", "gcc-c++", "gcc-g++"] },
  c_compiler: { project: "gcc", names: ["gcc"] },
};

/**
 * Checks a package name from a config or a Repology answer; throws a usage-free `config`
 * error naming `what` otherwise.
 *
 * @example
 * ```ts
 * import { validatePackageName } from "./names.ts";
 * validatePackageName("libssl-dev", "package"); // "libssl-dev"
 * ```
 */
export function validatePackageName(name: string, what: string): string {
  if (!NAME.test(name)) {
    throw new HostkitError(
      "config",
      `${what}: ${JSON.stringify(name)} is not a valid package name ` +
        "(letters, digits and ._+- only, starting with a letter or digit, at most 128 characters)",
    );
  }
  return name;
}

/**
 * The Repology query a semantic name stands for.
 *
 * @example
 * ```ts
 * import { packageQuery } from "./names.ts";
 * packageQuery("ca_certificates"); // { name, project: "ca-certificates", rule: { kind: "same" } }
 * packageQuery("openssl_dev").project; // "openssl"
 * packageQuery("cxx_compiler").rule; // { kind: "prefer", names: ["g++", "gcc-c++", "gcc-g++"] }
 * ```
 */
export function packageQuery(name: string): PackageQuery {
  validatePackageName(name, `package ${JSON.stringify(name)}`);
  const capability = CAPABILITIES[name];
  if (capability) {
    return { name, project: capability.project, rule: { kind: "prefer", names: capability.names } };
  }
  const project = name.replaceAll("_", "-").toLowerCase();
  if (name.endsWith("_dev") && project.length > 4) {
    return { name, project: project.slice(0, -4), rule: { kind: "dev" } };
  }
  return { name, project, rule: { kind: "same" } };
}
