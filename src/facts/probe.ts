/**
 * Generates the one POSIX sh probe that reads every resource of a host. Each
 * resource gets an index; every output line is `INDEX<TAB>TAG<TAB>VALUE`. The
 * same snippets run again inside apply to detect stale plans, so they must be
 * deterministic for an unchanged host.
 *
 * @module
 */
import { hostPath, type Resource } from "../model/resource.ts";
import { quote } from "../transport/shell.ts";

/** Tags whose values may change without the plan being stale (and are not compared). */
export const VOLATILE_TAGS = new Set(["preview", "active", "sub"]);

/** Largest current content fetched to show a diff. */
export const PREVIEW_LIMIT = 64 * 1024;

/** Shell functions every probe starts with. Paths arrive as single-quoted words. */
export const PROBE_PRELUDE = String.raw`
hk_path() {
  if [ -L "$2" ]; then t=symlink
  elif [ -d "$2" ]; then t=directory
  elif [ -f "$2" ]; then t=file
  elif [ -e "$2" ]; then t=other
  else printf '%s\tpath\tmissing\n' "$1"; return 1; fi
  m=$(stat -c '%U %G %a %s' -- "$2" 2>&1) || { printf '%s\terror\t%s\n' "$1" "$m" | head -n 1; return 1; }
  printf '%s\tpath\t%s %s\n' "$1" "$t" "$m"
  if [ "$t" = symlink ]; then
    printf '%s\ttarget\t%s\n' "$1" "$(readlink -- "$2" | od -An -v -tx1 | tr -d ' \n')"
  fi
  [ "$t" = file ]
}
hk_file() {
  hk_path "$1" "$2" || return 0
  h=$(sha256sum < "$2" 2>/dev/null | cut -c1-64) || { printf '%s\terror\tcannot read %s\n' "$1" "$2"; return 0; }
  printf '%s\tsha256\t%s\n' "$1" "$h"
  if [ -n "$3" ] && [ "$h" != "$3" ]; then
    printf '%s\tpreview\t' "$1"; head -c __PREVIEW_LIMIT__ "$2" | base64 | tr -d '\n'; printf '\n'
  fi
}
hk_env() {
  hk_path "$1" "$2" || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in ''|'#'*) continue ;; esac
    printf '%s\tenv\t%s %s\n' "$1" "\${line%%=*}" "$(printf '%s' "$line" | sha256sum | cut -c1-64)"
  done < "$2"
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
    apk) for p in "$@"; do v=$(apk info -e -- "$p" 2>/dev/null) && printf '%s\tii \t%s\n' "$p" "$v"; done ;;
    pacman) pacman -Q -- "$@" 2>/dev/null | awk '{ print $1 "\tii \t" $2 }' ;;
  esac | awk -v idx="$HK_PKG_IDX" -v names="$HK_PKG_NAMES" '
    BEGIN { n = split(idx, ix, " "); split(names, nm, " "); for (i = 1; i <= n; i++) want[nm[i]] = want[nm[i]] " " ix[i] }
    { split($0, f, "\t"); if (f[1] in want) { m = split(want[f[1]], targets, " "); for (j = 1; j <= m; j++) print targets[j] "\tpackage\t" f[2] " " f[3] } }'
}
`.replace("__PREVIEW_LIMIT__", String(PREVIEW_LIMIT)).replaceAll("\\${", "${");

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
`.replaceAll("\\${", "${");

/** Per-resource extra input for a probe: the desired hash, for diff previews. */
export interface ProbeHints {
  /** Desired sha256 of a text file's content: when the host's differs, its content is previewed. */
  previewUnlessSha?: string;
}

/**
 * The sh snippet reading one resource (units and packages are batched separately).
 *
 * @example
 * ```ts
 * import { probeSnippet } from "./probe.ts";
 * probeSnippet(0, { kind: "directory", path: "/srv/app" } as never); // "hk_path 0 /srv/app"
 * ```
 */
export function probeSnippet(index: number, resource: Resource, hints: ProbeHints = {}): string {
  const path = hostPath(resource);
  switch (resource.kind) {
    case "file":
    case "systemd_service":
    case "systemd_timer":
      return `hk_file ${index} ${quote(path!)} ${hints.previewUnlessSha ?? "''"}`;
    case "env_file":
      return `hk_env ${index} ${quote(path!)}`;
    case "directory":
    case "symlink":
      return `hk_path ${index} ${quote(path!)} || :`;
    case "account":
      return `hk_account ${index} ${quote(resource.name)}`;
    case "mise_tool": {
      const dir = `${resource.systemDataDir}/installs/${resource.name}/${resource.version}`;
      return `if [ -d ${quote(dir)} ]; then printf '%s\\tmise\\tinstalled\\n' ${index}; ` +
        `else printf '%s\\tmise\\tmissing\\n' ${index}; fi`;
    }
    case "command": {
      const checks: string[] = [];
      if (resource.creates) {
        checks.push(
          `if [ -e ${
            quote(resource.creates)
          } ]; then printf '%s\\tguard\\tcreates\\n' ${index}; fi`,
        );
      }
      if (resource.unless) {
        checks.push(
          `if ( sh -c ${quote(resource.unless)} ) >/dev/null 2>&1 </dev/null; then ` +
            `printf '%s\\tguard\\tunless\\n' ${index}; fi`,
        );
      }
      return checks.length ? checks.join("\n") : ":";
    }
    case "package":
      return ":";
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
 * const script = probeScript(resources);
 * const result = await target.run("sh -s", { stdin: script });
 * ```
 */
export function probeScript(resources: Resource[], hints: ProbeHints[] = []): string {
  const body: string[] = [HOST_FACTS];
  const units: number[] = [];
  const unitNames: string[] = [];
  const packages: number[] = [];
  const packageNames: string[] = [];
  resources.forEach((resource, index) => {
    body.push(probeSnippet(index, resource, hints[index]));
    if (resource.kind === "systemd_service" || resource.kind === "systemd_timer") {
      units.push(index);
      unitNames.push(resource.name);
    }
    if (resource.kind === "package") {
      packages.push(index);
      packageNames.push(resource.as ?? resource.name);
    }
  });
  if (units.length) {
    body.push(
      `HK_UNIT_IDX=${quote(units.join(" "))} hk_units ${unitNames.map((n) => quote(n)).join(" ")}`,
    );
  }
  if (packages.length) {
    body.push(
      `HK_PKG_IDX=${quote(packages.join(" "))} HK_PKG_NAMES=${quote(packageNames.join(" "))} ` +
        `hk_packages ${packageNames.map((n) => quote(n)).join(" ")}`,
    );
  }
  return [
    "export LC_ALL=C",
    "hk_probe() {",
    PROBE_PRELUDE,
    ...body,
    "}",
    "hk_probe </dev/null",
    "",
  ].join("\n");
}
