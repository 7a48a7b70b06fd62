/**
 * Which Repology repository a host installs from, from its `/etc/os-release` facts.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";

/** A package manager hostkit drives. */
export type PackageManager = "apt" | "dnf" | "apk" | "pacman";

/** Repository names Repology uses, by manager. */
const MANAGER_OF: [RegExp, PackageManager][] = [
  [/^(debian|ubuntu)_/, "apt"],
  [/^(fedora|centos|rocky|almalinux|rhel)_/, "dnf"],
  [/^alpine_/, "apk"],
  [/^arch$/, "pacman"],
];

/** `debian_12`, `ubuntu_24_04`, `fedora_41`, `alpine_3_20`, `arch`. */
const REPO = /^(arch|(debian|ubuntu|fedora|centos|rocky|almalinux|rhel|alpine)_[0-9]+(_[0-9]+)?)$/;

/**
 * The Repology repository of a host: `{ id: "debian", version: "12" }` → `debian_12`.
 * Alpine keeps major and minor (`3.20.3` → `alpine_3_20`), Ubuntu its `24.04`, Arch has one.
 *
 * @example
 * ```ts
 * import { repologyRepo } from "./target_repo.ts";
 * repologyRepo({ id: "ubuntu", version: "24.04" }); // "ubuntu_24_04"
 * ```
 */
export function repologyRepo(os: { id: string; version: string }): string {
  const version = os.version.replaceAll('"', "");
  const parts = version.split(".").filter(Boolean);
  switch (os.id) {
    case "arch":
      return "arch";
    case "debian":
    case "fedora":
      if (/^[0-9]+$/.test(parts[0] ?? "")) return `${os.id}_${parts[0]}`;
      break;
    case "ubuntu":
    case "alpine":
      if (parts.length >= 2 && parts.slice(0, 2).every((p) => /^[0-9]+$/.test(p))) {
        return `${os.id}_${parts[0]}_${parts[1]}`;
      }
      break;
  }
  throw new HostkitError(
    "input",
    `no Repology repository is known for ${os.id} ${version || "(no version)"}: ` +
      "give the package names with `as`, or name the repository with --package-repo",
  );
}

/**
 * Checks a `--package-repo` value.
 *
 * @example
 * ```ts
 * import { validateRepo } from "./target_repo.ts";
 * validateRepo("debian_12", "--package-repo"); // "debian_12"
 * ```
 */
export function validateRepo(repo: string, what: string): string {
  if (!REPO.test(repo)) {
    throw new HostkitError(
      "usage",
      `${what} ${JSON.stringify(repo)}: expected a Repology repository such as debian_12, ` +
        "ubuntu_24_04, fedora_41, alpine_3_20 or arch",
    );
  }
  return repo;
}

/**
 * Whether `repo` is a repository hostkit can resolve for (see {@link validateRepo}).
 *
 * @example
 * ```ts
 * import { isKnownRepo } from "./target_repo.ts";
 * isKnownRepo("debian_12"); // true
 * isKnownRepo("freebsd"); // false
 * ```
 */
export function isKnownRepo(repo: string): boolean {
  return REPO.test(repo);
}

/**
 * The package manager a repository's packages are installed with.
 *
 * @example
 * ```ts
 * import { managerOf } from "./target_repo.ts";
 * managerOf("alpine_3_20"); // "apk"
 * ```
 */
export function managerOf(repo: string): PackageManager | undefined {
  return MANAGER_OF.find(([pattern]) => pattern.test(repo))?.[1];
}
