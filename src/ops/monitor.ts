/**
 * Monitoring metadata, run: the `d.monitor(…)` declarations of a project as checks, and
 * running them against a host. HTTP and port checks go through the SSH connection (a
 * direct-tcpip channel to the host's own loopback), so they need nothing on the host; all of
 * a host's shell checks (systemd, file, and HTTP when forwarding is forbidden) run in ONE exec.
 *
 * @module
 */
import type { Duplex } from "node:stream";
import { HostkitError } from "../errors.ts";
import type { ProjectSpec } from "../model/project.ts";
import { type Monitor, type Resource, resourceId } from "../model/resource.ts";
import { quote } from "../transport/shell.ts";
import type { Target } from "../transport/target.ts";
import { type Forwarding, FORWARDING_FORBIDDEN } from "../transport/ssh.ts";

/** One check, extracted from a declaration. */
export interface MonitorCheck {
  /** The kind of check: `systemd`, `http`, `port`, `file`, … */
  type: Monitor["type"];
  /** What is checked: a unit name, a URL, a path, `host:port`. */
  target: string;
  /** How bad a failure is, as declared (default `warning`). */
  severity: string;
  /** The resource that declared it, e.g. `systemd_service:app.service`. */
  source: string;
  /** `file:line` of the declaring resource. */
  origin?: string;
  /** What must hold: `active` (systemd), a status (http), `exists` / `absent` (file). */
  expect: string;
  /** HTTP only: a text the body must contain. */
  body?: string;
  /** How long the check may take before it counts as failed. */
  timeoutMs: number;
}

/** How one check went. */
export interface CheckResult {
  /** The check that ran. */
  check: MonitorCheck;
  /** Whether it held; `skipped` when it could not be run here. */
  status: "ok" | "fail" | "skipped";
  /** What was seen, e.g. `state: failed`, `status 502`, `connection refused`. */
  detail: string;
  /** How long the check took. */
  latencyMs: number;
  /** How it was checked. */
  via: "ssh channel" | "shell" | "curl" | "wget" | "none";
}

/** What {@link runChecks} found on one host. */
export interface MonitorReport {
  /** The target's name. */
  host: string;
  /** One result per check, in the order of the checks. */
  results: CheckResult[];
  /** Said once when the server forbids forwarding and HTTP checks fell back to the host. */
  notes: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

function configError(source: string, origin: string | undefined, message: string): never {
  throw new HostkitError("config", `${source}${origin ? ` (${origin})` : ""}: monitor ${message}`);
}

function checkOf(
  monitor: Monitor,
  source: string,
  unit: string | undefined,
  origin?: string,
): MonitorCheck {
  const o = monitor.options;
  const expect = (o.expect ?? {}) as Record<string, unknown>;
  const timeoutMs = typeof o.timeoutMs === "number" ? o.timeoutMs : DEFAULT_TIMEOUT_MS;
  const base = { type: monitor.type, severity: monitor.severity, source, origin, timeoutMs };
  switch (monitor.type) {
    case "systemd": {
      const target = typeof o.unit === "string" ? o.unit : unit;
      if (!target) configError(source, origin, "systemd needs a unit");
      return { ...base, target, expect: String(expect.state ?? "active") };
    }
    case "http": {
      if (typeof o.url !== "string" || !/^https?:\/\/[^/]/.test(o.url)) {
        configError(
          source,
          origin,
          `http needs a url (http:// or https://), got ${JSON.stringify(o.url)}`,
        );
      }
      const status = expect.status ?? 200;
      if (!Number.isInteger(status)) {
        configError(source, origin, "http expect.status must be a number");
      }
      return {
        ...base,
        target: o.url,
        expect: String(status),
        ...(typeof expect.body === "string" ? { body: expect.body } : {}),
      };
    }
    case "file": {
      if (typeof o.path !== "string" || !o.path.startsWith("/")) {
        configError(source, origin, `file needs an absolute path, got ${JSON.stringify(o.path)}`);
      }
      return { ...base, target: o.path, expect: o.exists === false ? "absent" : "exists" };
    }
    case "port": {
      const port = o.port;
      if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
        configError(source, origin, `port needs a port number, got ${JSON.stringify(port)}`);
      }
      const host = typeof o.host === "string" ? o.host : "127.0.0.1";
      return { ...base, target: `${host}:${port}`, expect: "open" };
    }
    default:
      return { ...base, target: unit ?? source, expect: "" };
  }
}

/**
 * The project's monitor checks, from every resource that declares them.
 *
 * @example
 * ```ts
 * import { monitorChecks } from "./monitor.ts";
 * import { project } from "../dsl/mod.ts";
 * const checks = monitorChecks(project("demo", (p) => {
 *   p.daemon("app.service", (d) => {
 *     d.execStart(["/usr/bin/sleep", "infinity"]);
 *     d.monitor("systemd", { expect: { state: "active" }, severity: "critical" });
 *   });
 * }));
 * // [{ type: "systemd", target: "app.service", expect: "active", severity: "critical", … }]
 * ```
 */
export function monitorChecks(project: ProjectSpec): MonitorCheck[] {
  return project.resources.flatMap(resourceChecks);
}

/**
 * The checks one resource declares (none for kinds without monitors).
 *
 * @example
 * ```ts
 * import { resourceChecks } from "./monitor.ts";
 * import { project } from "../dsl/mod.ts";
 * const [unit] = project("demo", (p) => {
 *   p.daemon("app.service", (d) => {
 *     d.execStart(["/usr/bin/sleep", "infinity"]);
 *     d.monitor("systemd", { expect: { state: "active" } });
 *   });
 * }).resources.filter((r) => r.kind === "systemd_service");
 * resourceChecks(unit).length; // 1
 * ```
 */
export function resourceChecks(r: Resource): MonitorCheck[] {
  if (!("monitors" in r)) return [];
  const unit = "name" in r ? r.name : undefined;
  return r.monitors.map((m) => checkOf(m, resourceId(r), unit, r.origin));
}

// --- HTTP and ports through the SSH connection ------------------------------------------------

function hasForwarding(target: Target): target is Target & Forwarding {
  return typeof (target as Partial<Forwarding>).forward === "function";
}

function forbidden(error: unknown): boolean {
  return error instanceof HostkitError && error.details.includes(FORWARDING_FORBIDDEN);
}

/** Reads a whole HTTP/1.0 response (the server closes the connection), at most 1 MiB. */
function exchange(channel: Duplex, request: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const timer = setTimeout(
      () => finish(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      channel.removeAllListeners();
      channel.on("error", () => {});
      channel.destroy();
      if (error) reject(error);
      else resolve(new TextDecoder().decode(concat(chunks)));
    };
    channel.on("data", (chunk: Uint8Array) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > 1 << 20) finish();
    });
    channel.on("end", () => finish());
    channel.on("close", () => finish());
    channel.on("error", (error: Error) => finish(error));
    channel.write(request);
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The HTTP verdict from a status line and body. */
function judgeHttp(check: MonitorCheck, status: number, body: string): [boolean, string] {
  if (String(status) !== check.expect) return [false, `status ${status}, want ${check.expect}`];
  if (check.body !== undefined && !body.includes(check.body)) {
    return [false, `status ${status}, body lacks ${JSON.stringify(check.body)}`];
  }
  return [true, `status ${status}`];
}

async function httpOverSsh(target: Forwarding, check: MonitorCheck): Promise<[boolean, string]> {
  const url = new URL(check.target);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const channel = await target.forward(host, Number(url.port || 80));
  const request = `GET ${url.pathname}${url.search} HTTP/1.0\r\nHost: ${url.host}\r\n` +
    `User-Agent: hostkit-monitor\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
  const response = await exchange(channel, request, check.timeoutMs);
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(response);
  if (!match) return [false, `not an HTTP response: ${JSON.stringify(response.slice(0, 40))}`];
  const split = response.indexOf("\r\n\r\n");
  return judgeHttp(check, Number(match[1]), split < 0 ? "" : response.slice(split + 4));
}

async function portOverSsh(target: Forwarding, check: MonitorCheck): Promise<[boolean, string]> {
  const at = check.target.lastIndexOf(":");
  const channel = await target.forward(
    check.target.slice(0, at),
    Number(check.target.slice(at + 1)),
  );
  channel.on("error", () => {});
  channel.destroy();
  return [true, "open"];
}

// --- one shell exec for everything else -------------------------------------------------------

/** The shell lines that check `check` (index `i`) and print `hkm<TAB>i<TAB>ok|fail<TAB>ms<TAB>detail`. */
function shellCheck(check: MonitorCheck, i: number): string {
  const t = quote(check.target);
  switch (check.type) {
    case "systemd":
      return `s=$(systemctl show -p ActiveState --value -- ${t} 2>/dev/null)
[ "$s" = ${quote(check.expect)} ] && r=ok || r=fail; hkm ${i} "$r" "state: \${s:-unknown}"`;
    case "file":
      return check.expect === "exists"
        ? `if [ -e ${t} ]; then hkm ${i} ok exists; else hkm ${i} fail missing; fi`
        : `if [ -e ${t} ]; then hkm ${i} fail "exists (want absent)"; else hkm ${i} ok absent; fi`;
    case "port": {
      const at = check.target.lastIndexOf(":");
      const where = quote(`/dev/tcp/${check.target.slice(0, at)}/${check.target.slice(at + 1)}`);
      return `if ! command -v bash >/dev/null 2>&1; then hkm ${i} skipped "no SSH forwarding and no bash"
elif timeout ${
        Math.ceil(check.timeoutMs / 1000)
      } bash -c 'exec 3<>"$1"' sh ${where} 2>/dev/null; then hkm ${i} ok open
else hkm ${i} fail "not listening"; fi`;
    }
    case "http": {
      const seconds = Math.ceil(check.timeoutMs / 1000);
      const body = check.body === undefined
        ? "r=ok"
        : `if grep -F -q -- ${
          quote(check.body)
        } "$b"; then r=ok; else r=fail; d="$d, body lacks the text"; fi`;
      return `b=$(mktemp); code=; via=
if command -v curl >/dev/null 2>&1; then via=curl
  code=$(curl -s -o "$b" -w '%{http_code}' --max-time ${seconds} -- ${t} 2>/dev/null)
elif command -v wget >/dev/null 2>&1; then via=wget
  code=$(wget -S -q -T ${seconds} -O "$b" -- ${t} 2>&1 | sed -n 's/^ *HTTP\\/[0-9.]* \\([0-9][0-9][0-9]\\).*/\\1/p' | tail -n 1)
fi
if [ -z "$via" ]; then hkm ${i} skipped "no SSH forwarding, no curl or wget on the host"
else
  case $code in ''|000) d="no answer" r=fail ;; ${
        quote(check.expect)
      }) d="status $code"; ${body} ;; *) d="status $code, want ${check.expect}" r=fail ;; esac
  hkm ${i} "$r" "$d" "$via"
fi
rm -f "$b"`;
    }
    default:
      return `hkm ${i} skipped "${check.type} checks are not supported yet"`;
  }
}

/** One script for all shell checks; each line of output is one verdict. */
export function shellChecksScript(checks: { check: MonitorCheck; index: number }[]): string {
  return [
    "export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ms() { t=$(date +%s%3N 2>/dev/null); case $t in *[!0-9]*|'') echo 0 ;; *) echo \"$t\" ;; esac; }",
    `hkm() { printf 'hkm\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$2" $(( $(ms) - t0 )) "$(printf %s "$3" | tr '\\t\\n' '  ')" "\${4:-shell}"; }`,
    ...checks.map(({ check, index }) => `t0=$(ms)\n${shellCheck(check, index)}`),
    "",
  ].join("\n");
}

/**
 * Runs the checks against one host: HTTP (http://) and port checks through the SSH
 * connection, the rest in one shell exec, HTTP included when the server forbids forwarding
 * (then curl or wget on the host checks it, and a note says so).
 *
 * @example
 * ```ts
 * import { monitorChecks, runChecks } from "./monitor.ts";
 * import { project } from "../dsl/mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const demo = project("demo", (p) => p.directory("/srv/app"));
 * const report = await runChecks(monitorChecks(demo), Target.local());
 * const failed = report.results.filter((r) => r.status === "fail");
 * ```
 */
export async function runChecks(checks: MonitorCheck[], target: Target): Promise<MonitorReport> {
  const results: (CheckResult | undefined)[] = checks.map(() => undefined);
  const notes: string[] = [];
  let forwarding = hasForwarding(target);
  const shell: { check: MonitorCheck; index: number }[] = [];
  for (const [index, check] of checks.entries()) {
    const overSsh = (check.type === "http" && check.target.startsWith("http://")) ||
      check.type === "port";
    if (!overSsh || !forwarding) {
      shell.push({ check, index });
      continue;
    }
    const started = performance.now();
    try {
      const [ok, detail] = check.type === "http"
        ? await httpOverSsh(target as Target & Forwarding, check)
        : await portOverSsh(target as Target & Forwarding, check);
      results[index] = {
        check,
        status: ok ? "ok" : "fail",
        detail,
        latencyMs: Math.round(performance.now() - started),
        via: "ssh channel",
      };
    } catch (error) {
      if (forbidden(error)) {
        forwarding = false;
        notes.push(
          `${target.name}: the SSH server forbids TCP forwarding (AllowTcpForwarding no); ` +
            "HTTP and port checks run on the host instead (curl or wget, bash)",
        );
        shell.push({ check, index });
        continue;
      }
      if (error instanceof HostkitError && error.message.startsWith("cannot connect to")) {
        results[index] = {
          check,
          status: "fail",
          detail: error.message.replace(/^cannot connect to [^:]+:\d+ on [^:]+: /, "") ||
            "connection refused",
          latencyMs: Math.round(performance.now() - started),
          via: "ssh channel",
        };
        continue;
      }
      throw error;
    }
  }
  if (shell.length) {
    // Forwarding may have been found forbidden after earlier checks: still ONE exec for the rest.
    const run = await target.run(shellChecksScript(shell));
    for (const line of new TextDecoder().decode(run.stdout).split("\n")) {
      const [tag, index, status, ms, detail, via] = line.split("\t");
      if (tag !== "hkm" || results[Number(index)]) continue;
      results[Number(index)] = {
        check: checks[Number(index)],
        status: status as CheckResult["status"],
        detail,
        latencyMs: Number(ms),
        via: (via ?? "shell") as CheckResult["via"],
      };
    }
    const stderr = new TextDecoder().decode(run.stderr).trim();
    for (const { check, index } of shell) {
      results[index] ??= {
        check,
        status: "fail",
        detail: `the check did not report (exit ${run.code}${stderr ? `: ${stderr}` : ""})`,
        latencyMs: 0,
        via: "shell",
      };
    }
  }
  return { host: target.name, results: results as CheckResult[], notes };
}
