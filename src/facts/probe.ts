/**
 * Generates the one POSIX sh probe that reads every resource of a host. Each
 * resource gets an index; every output line is `INDEX<TAB>TAG<TAB>VALUE`. The
 * same probe runs again inside apply to detect stale plans, so its output must
 * be deterministic for an unchanged host.
 *
 * Files cost no process each: existence checks use shell builtins, then ONE
 * `stat` and ONE `sha256sum` (through xargs) cover all paths. Env files (a
 * hash per line), accounts and symlink targets take a few processes each.
 *
 * @module
 */
import type { Resource } from "../model/resource.ts";
import { handlerOf } from "../kinds/mod.ts";
import type { ProbeBuilder } from "../kinds/types.ts";
import { quote } from "../transport/shell.ts";

/** Tags whose values may change without the plan being stale (and are not compared). */
export const VOLATILE_TAGS = new Set(["active", "sub"]);

/** awk condition keeping the lines a stale check compares: no host facts, no volatile tags. */
const STABLE_FILTER = `$1 != "host" && ${
  [...VOLATILE_TAGS].map((t) => `$2 != "${t}"`).join(" && ")
}`;

/**
 * Shell functions every probe starts with. `$HK` is a private temp dir; fds
 * 4-7 collect NUL-separated path lists and their indices (builtins only).
 */
export const PROBE_PRELUDE = String.raw`
hk_p() {
  if [ -e "$2" ] || [ -L "$2" ]; then
    printf '%s\0' "$2" >&4; printf '%s\n' "$1" >&5
    if [ "$3" = f ] && [ -f "$2" ] && [ ! -L "$2" ]; then printf '%s\0' "$2" >&6; printf '%s\n' "$1" >&7; fi
    if [ "$3" = l ] && [ -L "$2" ]; then
      printf '%s\ttarget\t%s\n' "$1" "$(readlink -- "$2" | od -An -v -tx1 | tr -d ' \n')"
    fi
    if [ "$3" = e ] && [ -f "$2" ] && [ ! -r "$2" ]; then
      printf '%s\terror\tcannot read the file\n' "$1"
    elif [ "$3" = e ] && [ -f "$2" ]; then
      # Lines are compared here, on the host, against the declared hashes ($5 lists
      # KEY:HASH): only same / different / present leaves it, never a hash of a value that
      # may be secret (or was, before the config changed). Secret keys ($4) are not hashed.
      while IFS= read -r line || [ -n "$line" ]; do
        case $line in ''|'#'*) continue ;; esac
        key=\${line%%=*}
        case " $4 " in
          *" $key "*) v=present ;;
          *)
            case " $5 " in
              *" $key:"*)
                h=$(printf '%s' "$line" | sha256sum | cut -c1-64)
                case " $5 " in *" $key:$h "*) v=same ;; *) v=different ;; esac ;;
              *) v=present ;;
            esac ;;
        esac
        printf '%s\tenv\t%s %s\n' "$1" "$key" "$v"
      done < "$2"
    fi
  else
    # Missing, or hidden behind a directory this user cannot search?
    a=$2
    while a=\${a%/*}; [ -n "$a" ] && [ ! -e "$a" ]; do :; done
    if [ -n "$a" ] && [ -d "$a" ] && [ ! -x "$a" ]; then
      printf '%s\terror\ta parent directory cannot be searched\n' "$1"
    else
      printf '%s\tpath\tmissing\n' "$1"
    fi
  fi
}
hk_stats() {
  [ -s "$HK/paths" ] || return 0
  xargs -0 stat -c '%F|%U|%G|%a|%s' -- < "$HK/paths" > "$HK/stats" 2>/dev/null
  if [ "$(wc -l < "$HK/stats")" -ne "$(wc -l < "$HK/pidx")" ]; then
    # Some path could not be read: one stat per path, so each failure stays with its resource.
    xargs -0 -n 1 sh -c 'stat -c "%F|%U|%G|%a|%s" -- "$1" 2>/dev/null || echo ERR' sh \
      < "$HK/paths" > "$HK/stats"
  fi
  paste "$HK/pidx" "$HK/stats" | awk -F '\t' '{
    split($2, f, "|"); t = f[1]
    if (t == "ERR") { print $1 "\terror\tcannot stat it (permission denied?)"; next }
    t = t ~ /^regular/ ? "file" : t == "directory" ? "directory" : t == "symbolic link" ? "symlink" : "other"
    print $1 "\tpath\t" t " " f[2] " " f[3] " " f[4] " " (t == "file" ? f[5] : 0) }'
  [ -s "$HK/files" ] || return 0
  xargs -0 sha256sum -- < "$HK/files" > "$HK/sums" 2>/dev/null
  if [ "$(wc -l < "$HK/sums")" -ne "$(wc -l < "$HK/fidx")" ]; then
    xargs -0 -n 1 sh -c 'sha256sum < "$1" 2>/dev/null || echo "ERR -"' sh < "$HK/files" > "$HK/sums"
  fi
  paste -d ' ' "$HK/fidx" "$HK/sums" | awk '{ h = $2; sub(/^\\/, "", h)
    if (h == "ERR") print $1 "\terror\tcannot read the file"; else print $1 "\tsha256\t" h }'
}
hk_account() {
  if e=$(getent passwd "$2"); then
    printf '%s\taccount\t%s\n' "$1" "$e"
    printf '%s\tgroup\t%s\n' "$1" "$(id -gn -- "$2")"
    printf '%s\tgroups\t%s\n' "$1" "$(id -Gn -- "$2")"
  else
    printf '%s\taccount\tmissing\n' "$1"
  fi
}
hk_units() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl show -p LoadState -p ActiveState -p SubState -p UnitFileState -- "$@" 2>/dev/null |
      awk -v idx="$HK_UNIT_IDX" 'BEGIN { n = split(idx, ix, " "); b = 1 }
        /^$/ { b++; next }
        { k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2)
          tag = k == "LoadState" ? "load" : k == "ActiveState" ? "active" : k == "SubState" ? "sub" : "unitfile"
          print ix[b] "\t" tag "\t" v }'
  else
    for i in $HK_UNIT_IDX; do printf '%s\tload\tno-systemd\n' "$i"; done
  fi
}
hk_packages() {
  case $HK_PM in
    apt) dpkg-query -W -f='\${Package}\t\${db:Status-Abbrev}\t\${Version}\n' -- "$@" 2>/dev/null ;;
    dnf) rpm -q --qf '%{NAME}\tii \t%{VERSION}-%{RELEASE}\n' -- "$@" 2>/dev/null | grep "$(printf '\t')" ;;
    apk) for p in "$@"; do
        v=$(apk policy -- "$p" 2>/dev/null | awk '/^  [^ ].*:$/ { v = $1; sub(/:$/, "", v) } /^    .*\/installed$/ { print v; exit }')
        [ -z "$v" ] || printf '%s\tii \t%s\n' "$p" "$v"
      done ;;
    pacman) pacman -Q -- "$@" 2>/dev/null | awk '{ print $1 "\tii \t" $2 }' ;;
  esac | awk -v idx="$HK_PKG_IDX" -v names="$HK_PKG_NAMES" '
    BEGIN { n = split(idx, ix, " "); split(names, nm, " "); for (i = 1; i <= n; i++) want[nm[i]] = want[nm[i]] " " ix[i] }
    { split($0, f, "\t"); if (f[1] in want) { m = split(want[f[1]], targets, " "); for (j = 1; j <= m; j++) print targets[j] "\tpackage\t" f[2] " " f[3] } }'
}
`.replaceAll("\\${", "${");

/** The host-level facts every probe prints first (index `host`). */
const HOST_FACTS = String.raw`
( . /etc/os-release 2>/dev/null; printf 'host\tos\t%s %s\n' "\${ID:-unknown}" "\${VERSION_ID:-}" )
HK_PM=
for pm in apt-get:apt dnf:dnf apk:apk pacman:pacman; do
  if command -v "\${pm%%:*}" >/dev/null 2>&1; then HK_PM=\${pm#*:}; break; fi
done
printf 'host\tpm\t%s\n' "$HK_PM"
if [ -d /run/systemd/system ]; then printf 'host\tsystemd\tyes\n'; else printf 'host\tsystemd\tno\n'; fi
printf 'host\tmachine\t%s\n' "$(cat /etc/machine-id 2>/dev/null)"
if [ -n "\${HK_RUNS_ROOT:-}" ] && [ -r "$HK_RUNS_ROOT/triggers" ]; then
  while read -r a u; do printf 'host\ttrigger\t%s %s\n' "$a" "$u"; done < "$HK_RUNS_ROOT/triggers"
fi
if [ -n "\${HK_RUNS_ROOT:-}" ] && [ -r "$HK_RUNS_ROOT/created" ]; then
  while IFS= read -r id; do printf 'host\tcreated\t%s\n' "$id"; done < "$HK_RUNS_ROOT/created"
fi
`.replaceAll("\\${", "${");

/** Collects each resource's part of the probe: batched paths, units and packages, and shell lines. */
class Builder implements ProbeBuilder {
  constructor(readonly runGuards: boolean) {}
  paths: string[] = [];
  others: string[] = [];
  units: number[] = [];
  unitNames: string[] = [];
  packages: number[] = [];
  packageNames: string[] = [];

  path(
    index: number,
    path: string,
    type: "f" | "e" | "d" | "l",
    env?: { secretKeys: string[]; lineHashes: Record<string, string> },
  ): void {
    const extra = type === "e"
      ? ` ${quote((env?.secretKeys ?? []).join(" "))} ${
        quote(Object.entries(env?.lineHashes ?? {}).map(([k, h]) => `${k}:${h}`).join(" "))
      }`
      : "";
    this.paths.push(`hk_p ${index} ${quote(path)} ${type}${extra}`);
  }
  unit(index: number, name: string): void {
    this.units.push(index);
    this.unitNames.push(name);
  }
  package(index: number, name: string): void {
    this.packages.push(index);
    this.packageNames.push(name);
  }
  shell(lines: string): void {
    this.others.push(lines);
  }
}

/**
 * The whole probe for a list of resources (index = position in the list).
 * Wrapped in a function so the shell parses it completely before any command
 * runs: it arrives on stdin, and nothing may read the rest of it.
 *
 * @example
 * ```ts
 * import { probeScript } from "./probe.ts";
 * const script = probeScript([{ kind: "directory", path: "/srv/app", dependsOn: [], rollback: "keep" }]);
 * script.includes("hk_p 0 /srv/app d"); // true
 * ```
 */
export function probeScript(
  resources: Resource[],
  options: {
    /** Only the lines a stale check compares. */
    stableOnly?: boolean;
    /** Where apply keeps its state: pending handlers are read from there. */
    runsRoot?: string;
    /** Run command `unless` guards (shell the config chose); default no. */
    runGuards?: boolean;
    /** More lines, run after the resources' own (see src/packages/host_probe.ts). */
    extra?: string;
  } = {},
): string {
  const builder = new Builder(options.runGuards ?? false);
  resources.forEach((resource, index) => handlerOf(resource).probe(resource, index, builder));
  const { paths, others, units, unitNames, packages, packageNames } = builder;
  if (units.length) {
    others.push(
      `HK_UNIT_IDX=${quote(units.join(" "))} hk_units ${unitNames.map((n) => quote(n)).join(" ")}`,
    );
  }
  if (packages.length) {
    others.push(
      `HK_PKG_IDX=${quote(packages.join(" "))} HK_PKG_NAMES=${quote(packageNames.join(" "))} ` +
        `hk_packages ${packageNames.map((n) => quote(n)).join(" ")}`,
    );
  }
  if (options.extra) others.push(options.extra);
  return [
    "export LC_ALL=C",
    ...(options.runsRoot ? [`HK_RUNS_ROOT=${quote(options.runsRoot)}`] : []),
    "hk_probe() {",
    PROBE_PRELUDE,
    HOST_FACTS,
    "HK=$(mktemp -d) || exit 1",
    "trap 'rm -rf \"$HK\"' EXIT",
    "{ :",
    ...paths,
    '} 4>"$HK/paths" 5>"$HK/pidx" 6>"$HK/files" 7>"$HK/fidx"',
    "hk_stats",
    ...others,
    "}",
    // The stale check compares only lines that must not change while a plan waits.
    options.stableOnly
      ? `hk_probe </dev/null | awk -F '\\t' '${STABLE_FILTER}'`
      : "hk_probe </dev/null",
    "",
  ].join("\n");
}
