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

/**
 * Tags whose values may change without the plan being stale (and are not compared). `ssh` is
 * where the connection comes from (the firewall's lock-out check reads it again at apply).
 */
export const VOLATILE_TAGS = new Set(["active", "sub", "ssh"]);

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
      # Lines are compared on the host, against the declared hashes ($5 lists KEY:HASH): only
      # same / different / present leaves it, never a hash of a value that may be secret (or
      # was, before the config changed). Secret keys ($4) are not hashed. Each line to hash
      # goes to its own file: hk_stats hashes them all with ONE sha256sum (no process a line).
      while IFS= read -r line || [ -n "$line" ]; do
        case $line in ''|'#'*) continue ;; esac
        key=\${line%%=*}
        d=
        case " $4 " in
          *" $key "*) ;;
          *)
            case " $5 " in
              *" $key:"*)
                d=" $5 "; d=\${d#*" $key:"}; d=\${d%% *}
                hk_env_n=$((hk_env_n + 1))
                printf '%s' "$line" > "$HK/e.$hk_env_n"
                printf '%s\n' "$HK/e.$hk_env_n" >&8 ;;
            esac ;;
        esac
        # In the file's order; an empty declared hash: present only.
        printf '%s\t%s\t%s\n' "$1" "$d" "$key" >&9
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
hk_fast() { # "IDX<TAB>TYPE<TAB>PATH" lines (no control characters) on stdin: ONE stat for all
  awk -F '\t' -v P="$HK/fp" -v L="$HK/fl" '{ print $3 > P; print > L }'
  [ -s "$HK/fp" ] || return 0
  tr '\n' '\000' < "$HK/fp" | xargs -0 stat -c '%F|%U|%G|%a|%s|%n' -- > "$HK/fs" 2> "$HK/fe"
  # A path stat did not print is missing when every error said so; else hk_p sorts them out.
  # What stat said of the others goes to hk_join (in $HK/fq, by index), as hk_p's paths do.
  awk -F '\t' -v Q="$HK/fq" -v F="$HK/ff" -v I="$HK/ffi" -v M="$HK/fm" '
    part == 1 { s = $0; for (k = 0; k < 5; k++) sub(/^[^|]*[|]/, "", s); st[s] = $0; next }
    part == 2 { if ($0 !~ /No such file or directory$/) other++; next }
    !($3 in st) { missing[++nm] = $0; next }
    {
      split(st[$3], f, "|")
      print $1 "\t" f[1] "|" f[2] "|" f[3] "|" f[4] "|" f[5] > Q
      if ($2 == "f" && f[1] ~ /^regular/) { print $3 > F; print $1 > I }
    }
    END {
      for (i = 1; i <= nm; i++) {
        if (other) { print missing[i] > M; continue }
        split(missing[i], m, "\t"); print m[1] "\tpath\tmissing"
      }
    }' part=1 "$HK/fs" part=2 "$HK/fe" part=3 "$HK/fl"
  # Files to hash join the ones hk_p found (fds 6 and 7); the rest go through hk_p.
  [ -s "$HK/ff" ] && { tr '\n' '\000' < "$HK/ff" >&6; cat "$HK/ffi" >&7; }
  if [ -s "$HK/fm" ]; then
    while IFS="$HK_TAB" read -r i t p; do hk_p "$i" "$p" "$t"; done < "$HK/fm"
  fi
  return 0
}
hk_stats() { # ONE stat, ONE sha256sum (files and env lines) and ONE awk, however many paths
  [ -s "$HK/paths" ] || [ -s "$HK/fq" ] || return 0
  : > "$HK/stats"; : > "$HK/sums"; : > "$HK/esums"
  [ -s "$HK/paths" ] && xargs -0 stat -c '%F|%U|%G|%a|%s' -- < "$HK/paths" > "$HK/stats" 2>/dev/null
  [ -s "$HK/files" ] && xargs -0 sha256sum -- < "$HK/files" > "$HK/sums" 2>/dev/null
  [ -s "$HK/enames" ] && xargs sha256sum -- < "$HK/enames" > "$HK/esums" 2>/dev/null
  hk_join; r=$?
  [ "$r" = 0 ] && return 0
  # Some path could not be read: one command per path, so each failure stays with its resource.
  if [ $((r & 1)) = 1 ]; then
    xargs -0 -n 1 sh -c 'stat -c "%F|%U|%G|%a|%s" -- "$1" 2>/dev/null || echo ERR' sh \
      < "$HK/paths" > "$HK/stats"
  fi
  if [ $((r & 2)) = 2 ]; then
    xargs -0 -n 1 sh -c 'sha256sum < "$1" 2>/dev/null || echo "ERR -"' sh < "$HK/files" > "$HK/sums"
  fi
  hk_join
}
hk_join() { # prints the path, sha256 and env lines; exits 1 / 2 / 3 when stats / sums are short
  [ -f "$HK/fq" ] || : > "$HK/fq"
  awk -F '\t' '
    function path(i, stat,    f, t) {
      split(stat, f, "|"); t = f[1]
      if (t == "ERR") { print i "\terror\tcannot stat it (permission denied?)"; return }
      t = t ~ /^regular/ ? "file" : t == "directory" ? "directory" : t == "symbolic link" ? "symlink" : "other"
      print i "\tpath\t" t " " f[2] " " f[3] " " f[4] " " (t == "file" ? f[5] : 0)
    }
    part == 1 { pidx[++np] = $0; next }
    part == 2 { stat[++ns] = $0; next }
    part == 3 { fidx[++nf] = $0; next }
    part == 4 { sum[++nh] = $0; next }
    # The key last: the host file holds it (the text up to "="), and it may hold tabs.
    part == 5 { eidx[++ne] = $1; edecl[ne] = $2; k = $0; sub(/^[^\t]*\t[^\t]*\t/, "", k); ekey[ne] = k; next }
    part == 6 { esum[++nx] = $0; next }
    part == 7 { qidx[++nq] = $1; qstat[nq] = $2; next }
    END {
      bad = (ns != np ? 1 : 0) + (nh != nf ? 2 : 0)
      if (bad) exit bad
      for (i = 1; i <= nq; i++) path(qidx[i], qstat[i])
      for (i = 1; i <= np; i++) path(pidx[i], stat[i])
      for (i = 1; i <= nf; i++) {
        split(sum[i], w, " "); h = w[1]; sub(/^\\/, "", h)
        if (h == "ERR") print fidx[i] "\terror\tcannot read the file"; else print fidx[i] "\tsha256\t" h
      }
      # A line without its hash (a short sha256sum) counts as different: apply rewrites the file.
      for (i = 1; i <= ne; i++) {
        if (edecl[i] == "") { print eidx[i] "\tenv\t" ekey[i] " present"; continue }
        split(esum[++j], w, " ")
        print eidx[i] "\tenv\t" ekey[i] " " (j <= nx && w[1] == edecl[i] ? "same" : "different")
      }
    }' part=1 "$HK/pidx" part=2 "$HK/stats" part=3 "$HK/fidx" part=4 "$HK/sums" \
    part=5 "$HK/elist" part=6 "$HK/esums" part=7 "$HK/fq"
}
hk_accounts() { # names…, their indexes in HK_ACCT_IDX: ONE getent and ONE id for all accounts
  getent passwd -- "$@" > "$HK/passwd" 2>/dev/null
  set --
  while IFS=: read -r name _; do set -- "$@" "$name"; done < "$HK/passwd"
  : > "$HK/groups"
  [ "$#" -gt 0 ] && id -Gn -- "$@" > "$HK/groups" 2>/dev/null
  n=0; while IFS= read -r _; do n=$((n + 1)); done < "$HK/groups"
  if [ "$n" -ne "$#" ]; then
    # An id that takes one user at a time (busybox): a line per user, even an empty one.
    for name in "$@"; do g=$(id -Gn -- "$name" 2>/dev/null); printf '%s\n' "$g"; done > "$HK/groups"
  fi
  awk -v idx="$HK_ACCT_IDX" -v names="$HK_ACCT_NAMES" '
    part == 1 { line[++n] = $0; split($0, f, ":"); at[f[1]] = n; next }
    part == 2 { groups[++g] = $0; next }
    END {
      k = split(idx, ix, " "); split(names, nm, " ")
      for (i = 1; i <= k; i++) {
        if (!(nm[i] in at)) { print ix[i] "\taccount\tmissing"; continue }
        j = at[nm[i]]; split(groups[j], gs, " ")
        print ix[i] "\taccount\t" line[j]
        print ix[i] "\tgroup\t" gs[1]
        print ix[i] "\tgroups\t" groups[j]
      }
    }' part=1 "$HK/passwd" part=2 "$HK/groups"
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
# Read, not sourced: no subshell (a fork each probe). ID and VERSION_ID are plain words.
hk_id=; hk_version=
while IFS='=' read -r k v || [ -n "$k" ]; do
  v=\${v#[\"\']}; v=\${v%[\"\']}
  case $k in ID) hk_id=$v ;; VERSION_ID) hk_version=$v ;; esac
done 2>/dev/null < /etc/os-release
printf 'host\tos\t%s %s\n' "\${hk_id:-unknown}" "$hk_version"
HK_PM=
for pm in apt-get:apt dnf:dnf apk:apk pacman:pacman; do
  if command -v "\${pm%%:*}" >/dev/null 2>&1; then HK_PM=\${pm#*:}; break; fi
done
printf 'host\tpm\t%s\n' "$HK_PM"
if [ -d /run/systemd/system ]; then printf 'host\tsystemd\tyes\n'; else printf 'host\tsystemd\tno\n'; fi
hk_machine=; { read -r hk_machine; } 2>/dev/null < /etc/machine-id
printf 'host\tmachine\t%s\n' "$hk_machine"
if [ -n "\${HK_RUNS_ROOT:-}" ] && [ -r "$HK_RUNS_ROOT/triggers" ]; then
  while read -r a u; do printf 'host\ttrigger\t%s %s\n' "$a" "$u"; done < "$HK_RUNS_ROOT/triggers"
fi
if [ -n "\${HK_RUNS_ROOT:-}" ] && [ -r "$HK_RUNS_ROOT/created" ]; then
  while IFS= read -r id; do printf 'host\tcreated\t%s\n' "$id"; done < "$HK_RUNS_ROOT/created"
fi
`.replaceAll("\\${", "${");

/** A path hk_fast can read: one line of its input, and a name stat prints as given. */
// Control characters are what it excludes.
// deno-lint-ignore no-control-regex
const PLAIN_PATH = /^\/[^\x00-\x1f\x7f]*$/;

/** Collects each resource's part of the probe: batched paths, units and packages, and shell lines. */
class Builder implements ProbeBuilder {
  constructor(readonly runGuards: boolean) {}
  paths: string[] = [];
  plain: string[] = [];
  others: string[] = [];
  units: number[] = [];
  unitNames: string[] = [];
  packages: number[] = [];
  packageNames: string[] = [];
  accounts: number[] = [];
  accountNames: string[] = [];

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
    // Plain files and directories are read by ONE stat (hk_fast); the others one by one.
    if ((type === "f" || type === "d") && PLAIN_PATH.test(path)) {
      this.plain.push(`${index}\t${type}\t${path}`);
    } else this.paths.push(`hk_p ${index} ${quote(path)} ${type}${extra}`);
  }
  unit(index: number, name: string): void {
    this.units.push(index);
    this.unitNames.push(name);
  }
  package(index: number, name: string): void {
    this.packages.push(index);
    this.packageNames.push(name);
  }
  account(index: number, name: string): void {
    this.accounts.push(index);
    this.accountNames.push(name);
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
 * script.includes("0\td\t/srv/app"); // true: read by hk_fast
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
  const { paths, plain, others, units, unitNames, packages, packageNames } = builder;
  const { accounts, accountNames } = builder;
  if (accounts.length) {
    others.unshift(
      `HK_ACCT_IDX=${quote(accounts.join(" "))} HK_ACCT_NAMES=${
        quote(accountNames.join(" "))
      } hk_accounts ${accountNames.map((n) => quote(n)).join(" ")}`,
    );
  }
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
    "hk_env_n=0",
    "HK_TAB='\t'", // a literal tab: $(printf) would fork
    "{ :",
    // Quoted: the shell expands nothing in it; every line holds a tab, so none ends it.
    ...(plain.length ? ["hk_fast <<'HK_PLAIN_PATHS'", ...plain, "HK_PLAIN_PATHS"] : []),
    ...paths,
    '} 4>"$HK/paths" 5>"$HK/pidx" 6>"$HK/files" 7>"$HK/fidx" 8>"$HK/enames" 9>"$HK/elist"',
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
