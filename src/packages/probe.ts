/**
 * Reading packages on a host in one pass per manager: for every name, the installed version,
 * the candidate version the package manager would install now, and the versions it offers.
 * These are the package manager's own version strings (apt's `1:2.3-4`), which locks record
 * and apply installs (`apt-get install name=version`), never Repology's normalised ones.
 *
 * Output lines: `pkgstate<TAB>NAME<TAB>installed|candidate|available<TAB>VERSION`.
 *
 * @module
 */
import { quote } from "../transport/shell.ts";
import { validatePackageName } from "./names.ts";
import type { PackageManager } from "./target_repo.ts";

/** What the host's package manager says about one package. */
export interface PackageState {
  /** Installed version, when installed. */
  installed?: string;
  /** What `install NAME` would install now (none: the manager does not know the package). */
  candidate?: string;
  /** Every version the manager could install. */
  available: string[];
}

/** The sh functions behind {@link packageStateScript}. */
export const PACKAGE_STATE_FUNCTIONS = String.raw`
hk_pkgstate() { # manager names…
  pm=$1; shift
  case $pm in
    apt)
      dpkg-query -W -f='${"$"}{Package}\t${"$"}{db:Status-Abbrev}\t${"$"}{Version}\n' -- "$@" 2>/dev/null |
        awk -F '\t' '$2 ~ /^.i/ { print "pkgstate\t" $1 "\tinstalled\t" $3 }'
      apt-cache policy "$@" 2>/dev/null | awk '
        /^[^ ].*:$/ { name = substr($0, 1, length($0) - 1); sub(/:[a-z0-9]+$/, "", name); table = 0; next }
        /^  Candidate: / { if ($2 != "(none)") print "pkgstate\t" name "\tcandidate\t" $2; next }
        /^  Version table:/ { table = 1; next }
        table { line = $0; sub(/^ \*\*\*/, "    ", line); n = split(line, f, " ")
          if (n == 2 && f[2] ~ /^-?[0-9]+$/ && substr(line, 1, 5) == "     " && substr(line, 6, 1) != " ")
            print "pkgstate\t" name "\tavailable\t" f[1] }' ;;
    dnf)
      rpm -q --qf '%{NAME}\t%{VERSION}-%{RELEASE}\n' -- "$@" 2>/dev/null |
        awk -F '\t' 'NF == 2 { print "pkgstate\t" $1 "\tinstalled\t" $2 }'
      dnf -q repoquery --qf '%{name}\t%{version}-%{release}\n' -- "$@" 2>/dev/null |
        awk -F '\t' 'NF == 2 { print "pkgstate\t" $1 "\tavailable\t" $2; last[$1] = $2 }
          END { for (n in last) print "pkgstate\t" n "\tcandidate\t" last[n] }' ;;
    apk)
      # apk policy lists each version with the repositories that offer it (an "@tag" repository
      # only on request) and "…/installed" under the installed one; the candidate is the highest
      # untagged one, compared by apk itself.
      for p in "$@"; do
        out=$(apk policy -- "$p" 2>/dev/null | awk -v name="$p" '
          /^  [^ ].*:$/ { v = $1; sub(/:$/, "", v); print "pkgstate\t" name "\tavailable\t" v; next }
          /^    .*\/installed$/ { print "pkgstate\t" name "\tinstalled\t" v; next }
          /^    [^@ ]/ { print "pkgstate\t" name "\tuntagged\t" v }')
        printf '%s\n' "$out" | awk -F '\t' '$3 == "available" || $3 == "installed"'
        best=
        for v in $(printf '%s\n' "$out" | awk -F '\t' '$3 == "untagged" { print $4 }'); do
          if [ -z "$best" ] || [ "$(apk version -t "$v" "$best")" = ">" ]; then best=$v; fi
        done
        [ -z "$best" ] || printf 'pkgstate\t%s\tcandidate\t%s\n' "$p" "$best"
      done ;;
    pacman)
      pacman -Q -- "$@" 2>/dev/null | awk '{ print "pkgstate\t" $1 "\tinstalled\t" $2 }'
      for p in "$@"; do
        pacman -Si -- "$p" 2>/dev/null | awk -v name="$p" '/^Version/ { print "pkgstate\t" name "\tcandidate\t" $3; print "pkgstate\t" name "\tavailable\t" $3; exit }'
      done ;;
  esac
}
`;

/**
 * A sh program reading every package in `groups` (names per pinned or detected manager), one
 * pass per manager. Names are validated first: they come from a config or a lock.
 *
 * @example
 * ```ts
 * import { packageStateScript } from "./probe.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const script = packageStateScript([{ manager: "apt", names: ["curl", "jq"] }]);
 * const result = await Target.local().run("sh -s", { stdin: script });
 * ```
 */
export function packageStateScript(groups: { manager: PackageManager; names: string[] }[]): string {
  const calls = groups.filter((g) => g.names.length).map(({ manager, names }) => {
    for (const name of names) validatePackageName(name, "package");
    return `hk_pkgstate ${manager} ${[...new Set(names)].map((n) => quote(n)).join(" ")}`;
  });
  return ["export LC_ALL=C", PACKAGE_STATE_FUNCTIONS, "{ :", ...calls, "} </dev/null", ""].join(
    "\n",
  );
}

/**
 * Parses {@link packageStateScript}'s output: every name asked for gets a state (a name the
 * manager does not know has no candidate and nothing available).
 *
 * @example
 * ```ts
 * import { parsePackageStates } from "./probe.ts";
 * const states = parsePackageStates("pkgstate\tcurl\tcandidate\t7.88.1-10\n", ["curl"]);
 * states.get("curl")?.candidate; // "7.88.1-10"
 * ```
 */
export function parsePackageStates(output: string, names: string[]): Map<string, PackageState> {
  const states = new Map<string, PackageState>(names.map((n) => [n, { available: [] }]));
  for (const line of output.split("\n")) {
    const [tag, name, what, version] = line.split("\t");
    const state = states.get(name);
    if (tag !== "pkgstate" || !state || !version) continue;
    if (what === "installed") state.installed = version;
    if (what === "candidate") state.candidate = version;
    if (what === "available" && !state.available.includes(version)) state.available.push(version);
  }
  return states;
}

/**
 * The probe lines for one package whose resource pins its manager: `INDEX<TAB>package<TAB>ii
 * VERSION` when that manager has it installed (the shape the host's own batched package read
 * prints), nothing otherwise.
 *
 * @example
 * ```ts
 * import { pinnedManagerProbe } from "./probe.ts";
 * const lines = pinnedManagerProbe(3, "apt", "curl");
 * ```
 */
export function pinnedManagerProbe(
  index: number | string,
  manager: PackageManager,
  name: string,
): string {
  validatePackageName(name, "package");
  return `{\n${PACKAGE_STATE_FUNCTIONS}\nhk_pkgstate ${manager} ${quote(name)}\n} </dev/null | ` +
    `awk -F '\\t' -v i=${
      quote(String(index))
    } '$3 == "installed" { print i "\\tpackage\\tii " $4 }'`;
}
