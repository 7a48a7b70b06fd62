/**
 * mise on a host: where its binary comes from when missing (a download checked against its
 * sha256, never `curl | sh`), which tool versions mise itself says are installed
 * (`mise ls --installed --json`), and the argv that runs a command inside mise-managed tools.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { quote } from "../transport/shell.ts";
import { MiseDownloadSchema } from "../model/resource.ts";

/** The mise version hostkit bootstraps unless told otherwise. */
export const MISE_VERSION = "2026.9.15";

/** A download of the mise binary: an npm tarball (`package/bin/mise`), a release tarball or the bare binary. */
export interface MiseDownload {
  url: string;
  sha256: string;
}

/**
 * The default download on x86_64: mise's own npm package `@jdxcode/mise-linux-x64`, whose
 * tarball's sha256 is pinned here. Other architectures and mirrors give a URL and sha256.
 */
export const MISE_DOWNLOAD_X86_64: MiseDownload = {
  url: `https://registry.npmjs.org/@jdxcode/mise-linux-x64/-/mise-linux-x64-${MISE_VERSION}.tgz`,
  sha256: "b51f2463bc4fcdc3b0959b1454792f64be3612e73d856cbca4a062e39e070e74",
};

/**
 * Checks a mise download given for a mirror: an http(s) URL and a 64-hex-digit sha256.
 *
 * @example
 * ```ts
 * import { miseDownload } from "./mise.ts";
 * miseDownload("http://10.0.0.1/mise.tgz", "a".repeat(64));
 * ```
 */
export function miseDownload(url: string, sha256: string): MiseDownload {
  const parsed = MiseDownloadSchema.safeParse({ url, sha256 });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "url");
    throw new HostkitError(
      "config",
      `mise download ${field} ${JSON.stringify(field === "url" ? url : sha256)} ${issue?.message}`,
    );
  }
  return parsed.data;
}

/**
 * The sh program that prints what mise says is installed under `systemDataDir`:
 * `mise<TAB>installed<TAB><compact JSON>` (pretty JSON never has a newline inside a string),
 * or `mise<TAB>missing<TAB>` when the binary is not there.
 *
 * @example
 * ```ts
 * import { miseInstalledScript } from "./mise.ts";
 * miseInstalledScript("/usr/local/bin/mise", "/usr/local/share/mise");
 * ```
 */
export function miseInstalledScript(binary: string, systemDataDir: string): string {
  const bin = quote(binary);
  return `if [ -x ${bin} ]; then printf 'mise\\tinstalled\\t'; ` +
    `MISE_SYSTEM_DATA_DIR=${
      quote(systemDataDir)
    } ${bin} ls --installed --json 2>/dev/null </dev/null | tr -d '\\n'; ` +
    `printf '\\n'; else printf 'mise\\tmissing\\t\\n'; fi\n`;
}

/**
 * Parses {@link miseInstalledScript}'s output: tool → installed versions under
 * `systemDataDir` (installs elsewhere, such as a user's own, do not count), or `undefined`
 * when mise itself is missing.
 *
 * @example
 * ```ts
 * import { parseMiseInstalled } from "./mise.ts";
 * const json = '{"erlang":[{"version":"29.0.2","install_path":"/usr/local/share/mise/installs/erlang/29.0.2","installed":true}]}';
 * parseMiseInstalled(`mise\tinstalled\t${json}\n`, "/usr/local/share/mise")?.get("erlang"); // ["29.0.2"]
 * ```
 */
export function parseMiseInstalled(
  output: string,
  systemDataDir: string,
): Map<string, string[]> | undefined {
  const line = output.split("\n").find((l) => l.startsWith("mise\t"));
  const [, state, json = ""] = line?.split("\t") ?? [];
  if (state !== "installed") return undefined;
  let parsed: unknown;
  try {
    parsed = json.trim() ? JSON.parse(json) : {};
  } catch {
    throw new HostkitError("unreachable", "`mise ls --installed --json` did not print JSON");
  }
  const installs = `${systemDataDir.replace(/\/+$/, "")}/installs/`;
  const tools = new Map<string, string[]>();
  for (const [tool, entries] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Array.isArray(entries)) continue;
    const versions = entries.filter((e) =>
      e && typeof e.version === "string" && e.installed !== false &&
      (typeof e.install_path !== "string" || e.install_path.startsWith(installs))
    ).map((e) => e.version as string);
    if (versions.length) tools.set(tool.replace(/\[.*\]$/, ""), versions);
  }
  return tools;
}

/**
 * A tool as mise names it in `ls` (options such as `[url=…]` dropped).
 *
 * @example
 * ```ts
 * import { miseToolKey } from "./mise.ts";
 * miseToolKey("http:hello[url=http://x/hello.tgz]"); // "http:hello"
 * ```
 */
export function miseToolKey(tool: string): string {
  return tool.replace(/\[.*\]$/, "");
}

/**
 * The argv running `argv` inside mise-managed tools: `env MISE_SYSTEM_DATA_DIR=… mise exec
 * tool@version… -- argv…` (what `runtime: "mise"` on a command becomes).
 *
 * @example
 * ```ts
 * import { miseExecArgv } from "./mise.ts";
 * miseExecArgv({ binary: "/usr/local/bin/mise", systemDataDir: "/usr/local/share/mise" },
 *   [{ name: "elixir", version: "1.20.1" }], ["mix", "ecto.migrate"]);
 * // ["env", "MISE_SYSTEM_DATA_DIR=/usr/local/share/mise", "/usr/local/bin/mise", "exec",
 * //  "elixir@1.20.1", "--", "mix", "ecto.migrate"]
 * ```
 */
export function miseExecArgv(
  mise: { binary: string; systemDataDir: string },
  tools: { name: string; version: string }[],
  argv: string[],
): string[] {
  if (tools.length === 0) {
    throw new HostkitError("config", 'runtime "mise" needs at least one mise tool to run with');
  }
  if (argv.length === 0) throw new HostkitError("config", 'runtime "mise" needs a command to run');
  return [
    "env",
    `MISE_SYSTEM_DATA_DIR=${mise.systemDataDir}`,
    mise.binary,
    "exec",
    ...tools.map((t) => `${miseToolKey(t.name)}@${t.version}`),
    "--",
    ...argv,
  ];
}

/**
 * The sh function `hk_mise BINARY DATADIR TOOL VERSION [URL SHA256]` of apply programs:
 * installs mise from the download when `BINARY` is missing (curl or wget; the sha256 checked
 * before anything is installed; written atomically), then `mise install --system TOOL@VERSION`
 * with `MISE_SYSTEM_DATA_DIR`.
 */
export function hkMiseFunction(): string {
  const x64 = MISE_DOWNLOAD_X86_64;
  return String.raw`hk_mise() { # binary datadir tool version [url sha256]
  if [ ! -x "$1" ]; then
    url=$5; sum=$6
    if [ -z "$url" ]; then
      case $(uname -m) in
        x86_64|amd64) url=${x64.url}; sum=${x64.sha256} ;;
        *) echo "mise is missing at $1 and no download is known for $(uname -m): give its url and sha256"; return 1 ;;
      esac
    fi
    hk_mise_fetch "$1" "$url" "$sum" || return 1
  fi
  mkdir -p -- "$2" || return 1
  MISE_SYSTEM_DATA_DIR="$2" MISE_YES=1 "$1" install --system -- "$3@$4"
}
hk_mise_fetch() { # binary url sha256
  if command -v curl >/dev/null 2>&1; then get="curl -fsSL -o"
  elif command -v wget >/dev/null 2>&1; then get="wget -q -O"
  else echo "mise is missing at $1 and neither curl nor wget is installed: declare s.package(\"curl\") and s.package(\"ca_certificates\") before mise"; return 1
  fi
  for t in tar sha256sum; do
    command -v $t >/dev/null 2>&1 || { echo "mise is missing at $1 and $t is not installed: declare it as a package"; return 1; }
  done
  dl=$(mktemp -d) || return 1
  if ! $get "$dl/download" "$2"; then echo "downloading mise from $2 failed"; rm -rf -- "$dl"; return 1; fi
  got=$(sha256sum "$dl/download" | cut -d ' ' -f 1)
  if [ "$got" != "$3" ]; then
    echo "mise download $2 has sha256 $got, expected $3: not installed"; rm -rf -- "$dl"; return 1
  fi
  case $2 in
    *.tgz|*.tar.gz)
      mkdir "$dl/x" && tar -xzf "$dl/download" -C "$dl/x" || { rm -rf -- "$dl"; return 1; }
      found=
      for f in "$dl/x/package/bin/mise" "$dl/x/mise/bin/mise"; do [ -f "$f" ] && found=$f && break; done
      [ -n "$found" ] || { echo "no mise binary in $2"; rm -rf -- "$dl"; return 1; } ;;
    *) found=$dl/download ;;
  esac
  mkdir -p -- "$(dirname -- "$1")" && install -m 0755 -- "$found" "$1.hostkit-new" && mv -f -- "$1.hostkit-new" "$1"
  status=$?; rm -rf -- "$dl"; return $status
}
`;
}
