/**
 * Hostile input: every refusal the DSL makes at load time, one row each. A
 * refusal is a ProjectError naming the word, the key or value, and the
 * config's file:line; nothing is silently dropped.
 */
import assert from "node:assert/strict";
import { project, ProjectError, type ProjectScope } from "../../src/dsl/project.ts";
import type { DaemonScope } from "../../src/dsl/daemon.ts";
import type { ServiceScope } from "../../src/dsl/service.ts";
import type { TimerScope } from "../../src/dsl/timer.ts";
import { volume } from "../../src/dsl/storage.ts";
import { conventions } from "../../src/dsl/conventions.ts";
import { Resources, Sandbox } from "../../src/model/runtime.ts";

const HERE = decodeURIComponent(new URL(import.meta.url).pathname);

// Configs are loaded without their types: these calls are what a config may do at run time.
// deno-lint-ignore no-explicit-any
type Loose = any;

const inProject = (body: (p: Loose) => void) => () =>
  project("t", body as (p: ProjectScope) => void);
const inService = (body: (s: Loose) => void) =>
  inProject((p: ProjectScope) =>
    p.service("web", (s: ServiceScope) => {
      s.account("web");
      body(s);
    })
  );
const inDaemon = (body: (d: Loose) => void) =>
  inProject((p: ProjectScope) => p.daemon("web.service", body as (d: DaemonScope) => void));
const inTimer = (body: (t: Loose) => void) =>
  inProject((p: ProjectScope) =>
    p.systemdTimer("web.timer", (t: TimerScope) => {
      body(t);
      t.onCalendar("daily");
    })
  );

const rows: [what: string, run: () => unknown, message: RegExp][] = [
  // Unknown keys name the word, the key and the nearest known key.
  [
    "run: a key of another word",
    inDaemon((d) => d.run({ execStart: ["/bin/true"], typo_option: 1 })),
    /^run: unknown option "typo_option" \(known: type, execStart/,
  ],
  [
    "run: a misspelt key",
    inDaemon((d) => d.run({ execStrat: ["/bin/true"] })),
    /^run: unknown option "execStrat" \(did you mean "execStart"\?\)/,
  ],
  [
    "run: snake_case",
    inDaemon((d) => d.run({ exec_start: ["/bin/true"] })),
    /did you mean "execStart"\?/,
  ],
  ["run: tpye", inDaemon((d) => d.run({ tpye: "notify" })), /did you mean "type"\?/],
  [
    "account: an unknown key",
    inProject((p) => p.account("a", { sytem: true })),
    /^account: unknown option "sytem" \(did you mean "system"\?\)/,
  ],
  [
    "directory: an unknown key",
    inProject((p) => p.directory("/a", { onwer: "x" })),
    /did you mean "owner"\?/,
  ],
  [
    "file: an unknown key",
    inProject((p) => p.file("/a", { content: "x", contents: "y" })),
    /^file: unknown option "contents" \(did you mean "content"\?\)/,
  ],
  [
    "symlink: an owner that is not a name",
    inProject((p) => p.symlink("/a", "/b", { owner: "" })),
    /^symlink: option owner: must not be empty/,
  ],
  [
    "envFile: an unknown key",
    inProject((p) => p.envFile("/a", { mdoe: 0o600 }, () => {})),
    /did you mean "mode"\?/,
  ],
  [
    "command: an env variable name that is not one",
    inProject((p) => p.command("c", { exec: ["/bin/true"], env: { "A-B": "1" } })),
    /^command: option env: Invalid key in record \(at A-B\)/,
  ],
  [
    "command: an unknown key",
    inProject((p) => p.command("c", { exec: ["/bin/true"], creates_path: "/x" })),
    /^command: unknown option "creates_path"/,
  ],
  ["command: no exec", inProject((p) => p.command("c", {})), /^command: c needs exec/],
  [
    "package: an unknown key",
    inProject((p) => p.package("git", { verison: "1" })),
    /did you mean "version"\?/,
  ],
  [
    "mise: an unknown key",
    inProject((p) => p.mise({ bin: "/x" }, () => {})),
    /^mise: unknown option "bin"/,
  ],
  [
    "host: an unknown key",
    inProject((p) => p.host("prod", { hostnmae: "x" })),
    /^host:prod: unknown option "hostnmae" \(did you mean "hostname"\?\)/,
  ],
  [
    "host ssh: an unknown key",
    inProject((p) => p.host("prod", (h: Loose) => h.ssh({ identity_file: "/k" }))),
    /^host:prod ssh: unknown option "identity_file" \(did you mean "identityFile"\?\)/,
  ],
  [
    "host ssh retry: an unknown key",
    inProject((p) => p.host("prod", (h: Loose) => h.ssh({ retry: { attempt: 3 } }))),
    /retry: unknown option "attempt" \(did you mean "attempts"\?\)/,
  ],
  [
    "service: an unknown option",
    inProject((p) => p.service("web", { pth: "x" }, () => {})),
    /^service: unknown option "pth" \(did you mean "path"\?\)/,
  ],
  [
    "storage: an unknown key",
    inService((s) => s.storage("data", { backups: true })),
    /did you mean "backup"\?/,
  ],
  [
    "volume: an unknown key",
    () => volume("v", { path: "/v", mount: "/m" } as Loose),
    /^volume: unknown option "mount"/,
  ],
  [
    "listen: an unknown key",
    inDaemon((d) => d.listen("http", { prot: 80 })),
    /did you mean "port"\?/,
  ],
  [
    "networkPolicy: an unknown key",
    inDaemon((d) => d.networkPolicy({ allwo: [] })),
    /did you mean "allow"\?/,
  ],
  [
    "logs: an unknown key",
    inDaemon((d) => d.logs({ identifer: "x" })),
    /did you mean "identifier"\?/,
  ],
  [
    "telemetry: an unknown key",
    inDaemon((d) => d.telemetry({ metric: true })),
    /did you mean "metrics"\?/,
  ],
  [
    "monitor: an unknown key",
    inDaemon((d) => d.monitor("http", { ulr: "https://x" })),
    /did you mean "url"\?/,
  ],
  [
    "sandbox: an unknown key",
    inDaemon((d) => d.sandbox("web_service", { resource: {} })),
    /did you mean "resources"\?/,
  ],
  [
    "sandbox resources: an unknown limit",
    inDaemon((d) => d.sandbox("web_service", { resources: { memory: "1G" } })),
    /^sandbox resources: unknown option "memory"/,
  ],
  [
    "resources: an unknown limit",
    inDaemon((d) => d.resources({ cpuWieght: 100 })),
    /did you mean "cpuWeight"\?/,
  ],
  [
    "Resources.new: an unknown limit",
    () => Resources.new({ cpu_weight: 200 } as Loose),
    /^Resources.new: unknown option "cpu_weight" \(did you mean "cpuWeight"\?\)/,
  ],
  [
    "daily: an unknown key",
    inTimer((t) => t.daily({ at: "02:00", tz: "UTC" })),
    /^daily: unknown option "tz"/,
  ],
  [
    "monthly: a missing day",
    inTimer((t) => t.monthly({ at: "02:00" })),
    /^monthly: needs the option day/,
  ],
  [
    "conventions: an unknown key",
    () => conventions({ root: {} } as Loose),
    /did you mean "roots"\?/,
  ],
  [
    "observability logs: an unknown key",
    inProject((p) => p.observability((o: Loose) => o.logs({ retension: "1d" }))),
    /did you mean "retention"\?/,
  ],
  [
    "a section word: an unknown directive",
    inDaemon((d) => d.service({ restartSecs: 5 })),
    /^service: unknown \[Service\] directive "RestartSecs" \(did you mean "RestartSec"\?\)/,
  ],
  [
    "directive: an unknown directive",
    inDaemon((d) => d.directive("Service", "NotARealKey", "1")),
    /^directive: unknown \[Service\] directive "NotARealKey"/,
  ],
  [
    "hardening: an override systemd does not know",
    inDaemon((d) => d.hardening("web_service", { privateNetwrok: true })),
    /^hardening: unknown \[Service\] directive "PrivateNetwrok" \(did you mean "PrivateNetwork"\?\)/,
  ],
  [
    "timer: a [Service] key in [Timer]",
    inTimer((t) => t.timer({ restart: "always" })),
    /^timer: unknown \[Timer\] directive "Restart"/,
  ],

  // Extra arguments.
  [
    "symlink: a fourth argument",
    inProject((p) => p.symlink("/a", "/b", {}, "extra")),
    /^symlink: takes at most 3 arguments, got 4/,
  ],
  [
    "type: a second argument",
    inDaemon((d) => d.type("notify", "simple")),
    /^type: takes at most 1 argument, got 2/,
  ],
  [
    "unitName: two suffixes",
    inService((s) => s.unitName(".service", ".timer")),
    /^unitName: takes at most 1 argument, got 2/,
  ],
  [
    "account: a third argument",
    inProject((p) => p.account("a", {}, {})),
    /^account: takes at most 2 arguments/,
  ],

  // Wrong types.
  [
    "account: system as a string",
    inProject((p) => p.account("a", { system: "yes" })),
    /^account: option system: .*expected boolean/,
  ],
  [
    "listen: a port out of range",
    inDaemon((d) => d.listen("http", { port: 70000 })),
    /^listen: option port:/,
  ],
  [
    "listen: options as a string",
    inDaemon((d) => d.listen("http", "3000")),
    /^listen: expected an options object, got string/,
  ],
  [
    "execStart: a string, not argv",
    inDaemon((d) => d.execStart("/bin/app serve")),
    /^execStart: expected an argv list/,
  ],
  [
    "environment: a key with a dash",
    inDaemon((d) => d.environment("BAD-KEY", "x")),
    /"BAD-KEY" is not an environment variable name/,
  ],
  [
    "readWritePaths: a relative path",
    inDaemon((d) => d.readWritePaths(["srv/app"])),
    /^readWritePaths: the paths: must be an absolute path/,
  ],
  [
    "storage: a relative path without under",
    inService((s) => s.storage("uploads", { path: "uploads" })),
    /path "uploads" is relative: give under/,
  ],
  [
    "roots: a relative root",
    inProject((p) => p.roots({ data: "srv" })),
    /^roots: the roots: must be an absolute path/,
  ],
  [
    "envFile set: an object value",
    inProject((p) => p.envFile("/a", (e: Loose) => e.set("A", { x: 1 }))),
    /^\/a set: the value:/,
  ],

  // Bad values, as systemd would reject them later.
  [
    "type: invalid",
    inDaemon((d) => d.type("invalid")),
    /^type: unknown service type "invalid" \(known: simple, exec/,
  ],
  [
    "run type: notfiy",
    inDaemon((d) => d.run({ type: "notfiy" })),
    /^type: unknown service type "notfiy" \(did you mean "notify"\?\)/,
  ],
  [
    "restart: sometimes",
    inDaemon((d) => d.restart("sometimes")),
    /^restart: unknown restart policy "sometimes"/,
  ],
  ["restart: on_failuer", inDaemon((d) => d.restart("on_failuer")), /did you mean "on-failure"\?/],
  [
    "restartSec: soon",
    inDaemon((d) => d.restartSec("soon")),
    /^restartSec: string "soon" is not a systemd time span/,
  ],
  [
    "section word Type=",
    inDaemon((d) => d.service({ type: "forkng" })),
    /^service Type: unknown service type "forkng" \(did you mean "forking"\?\)/,
  ],
  [
    "onCalendar: a bad hour",
    inTimer((t) => t.onCalendar("*-*-* 25:00")),
    /^onCalendar: "\*-\*-\* 25:00" is not a systemd calendar expression: hour 25 is out of range 0..23/,
  ],
  [
    "onCalendar: prose",
    inTimer((t) => t.onCalendar("every day")),
    /is not a systemd calendar expression/,
  ],
  [
    "timer onCalendar: a bad weekday range",
    inTimer((t) => t.timer({ onCalendar: "Fri..Mon" })),
    /a weekday range must run forward/,
  ],
  [
    "every: nonsense",
    inTimer((t) => t.every("fortnightly")),
    /^every: "fortnightly" is not a systemd calendar expression/,
  ],
  [
    "daily: a bad time",
    inTimer((t) => t.daily({ at: "25:00" })),
    /^daily: "25:00" is not a time of day/,
  ],
  [
    "weekly: a bad day",
    inTimer((t) => t.weekly("someday", { at: "02:00" })),
    /^weekly: "someday" is not a weekday/,
  ],
  [
    "monthly: day 32",
    inTimer((t) => t.monthly({ day: 32, at: "02:00" })),
    /^monthly: day 32 of the month is out of range/,
  ],
  [
    "jitter: a bad span",
    inTimer((t) => t.jitter("a bit")),
    /^jitter: string "a bit" is not a systemd time span/,
  ],
  [
    "a timer without a schedule",
    inProject((p) => p.systemdTimer("web.timer", () => {})),
    /^timer web.timer: never fires/,
  ],
  [
    "timer unit: not a service",
    inTimer((t) => t.unit("web.socket")),
    /^unit: a timer triggers a .service unit/,
  ],
  [
    "daemon: a .timer name",
    inProject((p) => p.daemon("web.timer", () => {})),
    /^daemon: "web.timer" is not a .service unit/,
  ],
  [
    "daemon: no name outside a service",
    inProject((p) => p.daemon(() => {})),
    /^daemon: needs a unit name outside a service/,
  ],
  [
    "unitName: a suffix of another type",
    inService((s) => s.unitName("-sync.socket")),
    /^unitName: the suffix must end in .service or .timer/,
  ],
  [
    "mode: an unknown alias",
    inProject((p) => p.directory("/a", { mode: "wat" })),
    /^directory: option mode: unknown mode alias "wat"/,
  ],
  [
    "mode: an unknown class",
    inProject((p) => p.directory("/a", { mode: { owner: "dance" } })),
    /unknown permission class "dance"/,
  ],
  [
    "mode: an unknown special bit",
    inProject((p) => p.directory("/a", { mode: { owner: "rwx", special: "sticki" } })),
    /unknown special bit "sticki"/,
  ],
  [
    "a secret volume open to others",
    inService((s) => s.storage("keys", { secret: true, mode: 0o755 })),
    /^storage: volume keys is secret, but its mode 0755 lets others in/,
  ],
  [
    "listen: a bad address",
    inDaemon((d) => d.listen("http", { port: 80, on: [300, 0, 0, 1] })),
    /^listen: invalid address tuple/,
  ],
  [
    "networkPolicy: a bad prefix",
    inDaemon((d) => d.networkPolicy({ allow: [[[10, 0, 0, 0], 40]] })),
    /invalid prefix length 40/,
  ],
  [
    "monitor: an unknown severity",
    inDaemon((d) => d.monitor("systemd", { severity: "meh" })),
    /^monitor: option severity:/,
  ],
  [
    "sandbox: an unknown profile",
    inDaemon((d) => d.sandbox("paranoid")),
    /^sandbox: unknown sandbox profile "paranoid"/,
  ],
  [
    "resources: an unknown profile",
    inDaemon((d) => d.resources("tiny")),
    /^resources: unknown resource profile "tiny"/,
  ],
  [
    "resources: a bad CPUWeight",
    inDaemon((d) => d.resources({ cpuWeight: 0 })),
    /^resources: option cpuWeight:/,
  ],
  [
    "Sandbox.new: an unknown profile",
    () => Sandbox.new("paranoid"),
    /unknown sandbox profile "paranoid"/,
  ],
  [
    "roots: hostkit_runs (refused with a hint)",
    inProject((p) => p.roots({ hostkit_runs: "/run/x" })),
    /^roots: hostkit_runs is not supported: .*hostkit_state/,
  ],
  [
    "roots: hostkit_backups (refused with a hint)",
    inProject((p) => p.roots({ hostkit_backups: "/b" })),
    /^roots: hostkit_backups is not supported/,
  ],
  [
    "secret: file-backed",
    inProject((p) => p.envFile("/a", (e: Loose) => e.secret("K", { file: "/etc/shadow" }))),
    /file- and command-backed secrets are not supported/,
  ],
  [
    "secret: command-backed",
    inProject((p) => p.envFile("/a", (e: Loose) => e.secret("K", { command: ["pass", "x"] }))),
    /file- and command-backed secrets are not supported/,
  ],
  [
    "a service declared twice",
    inProject((p) => {
      p.service("a", () => {});
      p.service("a", () => {});
    }),
    /^service: service a is declared twice/,
  ],
  [
    "a volume declared twice",
    inService((s) => {
      s.storage("data");
      s.storage("data");
    }),
    /^storage: volume "data" is declared twice/,
  ],
  [
    "a listener declared twice",
    inDaemon((d) => {
      d.listen("http", { port: 1 });
      d.listen("http", { port: 2 });
    }),
    /^listen: listener "http" is declared twice/,
  ],
  [
    "project: an unknown option",
    () => project("t", { provider: [] } as Loose, () => {}),
    /^project: unknown option "provider" \(did you mean "providers"\?\)/,
  ],
  [
    "project: two bodies",
    () => (project as Loose)("t", () => {}, () => {}),
    /^project: takes one body/,
  ],
  ["path: an unknown root", inProject((p) => p.path("opt")), /^path: unknown root "opt"/],
];

for (const [what, run, message] of rows) {
  Deno.test(`refused: ${what}`, () => {
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof ProjectError, `${what}: ${e}`);
      assert.match(e.message, message);
      // The error names where the config made the call: this file (Resources.new and
      // Sandbox.new are API calls, still named at their call site).
      assert.ok(e.origin?.startsWith(`${HERE}:`), `${what}: origin ${e.origin}`);
      return true;
    });
  });
}

Deno.test("a refusal names the line of the offending call", () => {
  const line = Number(new Error().stack!.split("\n")[1].match(/:(\d+):\d+\)?$/)![1]) + 2;
  assert.throws(
    () => project("t", (p) => p.daemon("a.service", (d) => d.type("invalid" as never))),
    (e: unknown) => e instanceof ProjectError && e.origin === `${HERE}:${line}`,
  );
});

Deno.test("every documented option of run has an effect", () => {
  const spec = project("t", (p) =>
    p.daemon("a.service", (d) =>
      d.run({
        type: "notify",
        execStart: ["/bin/app"],
        execStartPre: ["/bin/app", "check"],
        execStop: ["/bin/app", "stop"],
        user: "app",
        group: "app",
        workingDirectory: "/srv/app",
        readWritePaths: ["/srv/app"],
        readOnlyPaths: ["/etc/app"],
        environmentFile: "/etc/app/env",
        environment: { MIX_ENV: "prod" },
        restart: "on_failure",
        restartSec: 5,
      })));
  const unit = spec.resources[0] as { sections: [string, [string, string][]][] };
  const service = unit.sections.find(([s]) => s === "Service")![1].map(([k]) => k);
  assert.deepEqual(service.sort(), [
    "Environment",
    "EnvironmentFile",
    "ExecStart",
    "ExecStartPre",
    "ExecStop",
    "Group",
    "ReadOnlyPaths",
    "ReadWritePaths",
    "Restart",
    "RestartSec",
    "Type",
    "User",
    "WorkingDirectory",
  ]);
});
