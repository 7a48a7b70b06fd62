/**
 * The contract every registered kind keeps, run table-driven over the
 * registry: its probe part reads it, its probe lines parse into a state whose
 * diff gives the expected action and structured drift, the change compiles to
 * steps that apply it, and its inverse is a down change that compiles too (or a
 * reason). A kind added to the registry without fixtures here fails.
 */
import assert from "node:assert/strict";
import { KINDS } from "../../src/kinds/mod.ts";
import type { ResourceKind } from "../../src/model/resource.ts";
import { parseProbe } from "../../src/facts/parse.ts";
import { probeScript } from "../../src/facts/probe.ts";
import { buildChanges, desiredStates } from "../../src/plan/build.ts";
import { sha256 } from "../../src/plan/desired.ts";
import type { Drift } from "../../src/plan/types.ts";
import { compileProgram } from "../../src/apply/program.ts";
import { down } from "../../src/down/mod.ts";
import { hostPlan, upPlan } from "../apply/fixtures.ts";
import { resource } from "../helpers.ts";

interface Fixture {
  resource: Record<string, unknown>;
  /** A line of the probe script that reads it (index 0). */
  probes: RegExp;
  /** Probe lines (without index) of a host where it is missing, and the verdict. */
  missing: { lines: string[]; action: "create" | "update" | "noop" };
  /** Probe lines of a host where it drifted, and the drift the diff must find. */
  drifted: { lines: string[]; action: "update" | "noop"; drift: Drift[] };
  /** What the compiled program of the drifted change contains. */
  compiles: RegExp;
}

const hex = (text: string) =>
  [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");

const FIXTURES: { [K in ResourceKind]: Fixture } = {
  account: {
    resource: { kind: "account", name: "app", groups: ["docker"] },
    probes: /^HK_ACCT_IDX=0 HK_ACCT_NAMES=app hk_accounts app$/m,
    missing: { lines: ["account\tmissing"], action: "create" },
    drifted: {
      lines: ["account\tapp:x:998:998::/home/app:/bin/sh", "group\tapp", "groups\tapp"],
      action: "update",
      drift: ["groups"],
    },
    compiles: /usermod --append --groups docker app/,
  },
  directory: {
    resource: { kind: "directory", path: "/srv/app", mode: 0o750 },
    probes: /^0\td\t\/srv\/app$/m,
    missing: { lines: ["path\tmissing"], action: "create" },
    drifted: {
      lines: ["path\tdirectory root root 700 0"],
      action: "update",
      drift: ["mode"],
    },
    compiles: /hk_dir \/srv\/app root root 0750/,
  },
  file: {
    resource: { kind: "file", path: "/etc/app.conf", content: { text: "new\n" } },
    probes: /^0\tf\t\/etc\/app\.conf$/m,
    missing: { lines: ["path\tmissing"], action: "create" },
    drifted: {
      lines: ["path\tfile root root 644 4", `sha256\t${sha256("old\n")}`],
      action: "update",
      drift: ["content"],
    },
    compiles: /hk_unpack \d+ \/etc\/\.hostkit-stage/,
  },
  symlink: {
    resource: { kind: "symlink", path: "/srv/current", target: "/srv/v2" },
    probes: /^hk_p 0 \/srv\/current l$/m,
    missing: { lines: ["path\tmissing"], action: "create" },
    drifted: {
      lines: ["path\tsymlink root root 777 0", `target\t${hex("/srv/v1\n")}`],
      action: "update",
      drift: ["target"],
    },
    compiles: /hk_link \/srv\/current \/srv\/v2/,
  },
  managed_line: {
    resource: {
      kind: "managed_line",
      path: "/etc/caddy/Caddyfile",
      line: "import /etc/caddy/sites/*.caddy",
      notify: { reload: ["caddy.service"] },
    },
    probes: /grep -qxF -- 'import \/etc\/caddy\/sites\/\*\.caddy' \/etc\/caddy\/Caddyfile/,
    missing: { lines: ["line\tabsent"], action: "create" },
    drifted: { lines: ["line\tpresent"], action: "noop", drift: [] },
    compiles: /hk_pending reload caddy\.service && hk_line_add \/etc\/caddy\/Caddyfile/,
  },
  env_file: {
    resource: {
      kind: "env_file",
      path: "/etc/app.env",
      entries: [{ key: "PORT", value: "4000" }, { key: "HOST", value: "0" }],
    },
    probes: /^hk_p 0 \/etc\/app\.env e '' 'PORT:[0-9a-f]{64} HOST:[0-9a-f]{64}'$/m,
    missing: { lines: ["path\tmissing"], action: "create" },
    drifted: {
      lines: ["path\tfile root root 600 10", "env\tPORT different", "env\tOLD present"],
      action: "update",
      drift: [{ env: "~PORT" }, { env: "+HOST" }, { env: "-OLD" }],
    },
    compiles: /PORT=4000/,
  },
  systemd_service: {
    resource: {
      kind: "systemd_service",
      name: "app.service",
      sections: [["Service", [["ExecStart", "/bin/true"]]], ["Install", [[
        "WantedBy",
        "multi-user.target",
      ]]]],
    },
    probes: /hk_units app\.service/,
    missing: {
      lines: ["path\tmissing", "load\tnot-found", "active\tinactive", "sub\tdead", "unitfile\t"],
      action: "create",
    },
    drifted: {
      lines: [
        "path\tfile root root 644 10",
        `sha256\t${sha256("old")}`,
        "load\tloaded",
        "active\tfailed",
        "sub\tfailed",
        "unitfile\tdisabled",
      ],
      action: "update",
      drift: ["content", "not_enabled", "not_running"],
    },
    compiles: /hk_activate 0 app\.service -- app\.service -- app\.service --/,
  },
  systemd_timer: {
    resource: {
      kind: "systemd_timer",
      name: "app.timer",
      unit: "app.service",
      sections: [["Timer", [["OnCalendar", "daily"]]], ["Install", [[
        "WantedBy",
        "timers.target",
      ]]]],
    },
    probes: /hk_units app\.timer/,
    missing: { lines: ["path\tmissing", "load\tnot-found", "unitfile\t"], action: "create" },
    drifted: {
      lines: ["path\tfile root root 644 10", `sha256\t${sha256("old")}`, "unitfile\tenabled"],
      action: "update",
      drift: ["content"],
    },
    compiles: /hk_activate 0 app\.timer -- app\.timer -- app\.timer --/,
  },
  command: {
    resource: { kind: "command", name: "seed", exec: ["/bin/seed"], creates: "/srv/seeded" },
    probes: /\[ -e \/srv\/seeded \]/,
    missing: { lines: [], action: "update" },
    drifted: { lines: ["guard\tcreates"], action: "noop", drift: [] },
    compiles: /hk_as '' '' \/bin\/seed/,
  },
  package: {
    resource: { kind: "package", name: "jq", version: "1.7" },
    probes: /hk_packages jq/,
    missing: { lines: [], action: "create" },
    drifted: { lines: ["package\tii  1.6"], action: "update", drift: ["version"] },
    compiles: /hk_install apt 0 'jq=1\.7'/,
  },
  mise_tool: {
    resource: { kind: "mise_tool", name: "node", version: "22.1.0" },
    probes: /\/usr\/local\/bin\/mise ls --installed --json/,
    missing: { lines: ["mise\tmissing\t"], action: "create" },
    drifted: {
      lines: [
        'mise\tinstalled\t{"node":[{"version":"22.1.0","install_path":' +
        '"/usr/local/share/mise/installs/node/22.1.0","installed":true}]}',
      ],
      action: "noop",
      drift: [],
    },
    compiles: /hk_mise \/usr\/local\/bin\/mise \/usr\/local\/share\/mise node 22\.1\.0/,
  },
  firewall: {
    resource: {
      kind: "firewall",
      path: "/etc/nftables.d/hostkit.nft",
      policy: { rules: [{ action: "allow", protocol: "tcp", ports: [22] }], fallback: "drop" },
      reload: true,
      confirmedPath: "/var/lib/hostkit/firewall/hostkit.nft",
      unit: "hostkit-firewall.service",
    },
    probes: /^0\tf\t\/etc\/nftables\.d\/hostkit\.nft$/m,
    missing: {
      lines: ["path\tmissing", "table\tno", "ssh\t192.0.2.7 51000 192.0.2.1 22"],
      action: "create",
    },
    drifted: {
      lines: [
        "path\tfile root root 644 10",
        `sha256\t${sha256("old")}`,
        `loaded\t${sha256("old")}`,
        "table\tyes",
        "ssh\t192.0.2.7 51000 192.0.2.1 22",
      ],
      action: "update",
      drift: ["content", "not_loaded"],
    },
    compiles:
      /nft -c -f "\$HK_STAGED"[\s\S]*hk_nft_guard[\s\S]*hk_nft_load \/etc\/nftables\.d\/hostkit\.nft/,
  },
};

const HOST = "host\tos\tdebian 12\nhost\tpm\tapt\nhost\tsystemd\tyes\nhost\tmachine\tabc\n";

function changesFor(data: Record<string, unknown>, lines: string[]) {
  const r = resource(data);
  const facts = parseProbe(HOST + lines.map((l) => `0\t${l}\n`).join(""), [r]);
  return buildChanges([r], desiredStates([r], () => new Uint8Array()), facts);
}

Deno.test("every registered kind has contract fixtures, and every fixture a kind", () => {
  assert.deepEqual(Object.keys(FIXTURES).sort(), Object.keys(KINDS).sort());
});

for (const [kind, fixture] of Object.entries(FIXTURES)) {
  Deno.test(`kind ${kind}: probe → parse → diff → compile → invert`, async () => {
    const r = resource(fixture.resource);
    assert.match(probeScript([r]), fixture.probes, "its part of the probe");

    const [missing] = changesFor(fixture.resource, fixture.missing.lines);
    assert.equal(missing.action, fixture.missing.action, "missing on the host");

    const [drifted] = changesFor(fixture.resource, fixture.drifted.lines);
    assert.equal(drifted.action, fixture.drifted.action, drifted.reason);
    assert.deepEqual(drifted.drift, fixture.drifted.drift);
    assert.ok(drifted.observed, "the plan keeps what it observed for the stale check");

    const changed = fixture.drifted.action === "noop" ? missing : drifted;
    const program = await compileProgram(hostPlan([changed]), {
      runId: "20260614-101148-demo-up-ab12",
      runsRoot: "/var/lib/hostkit",
      secrets: () => undefined,
    });
    assert.ok(program.steps.length > 0, "the change compiles to steps");
    assert.ok(
      program.steps.some((s) => s.ids.includes(changed.id)),
      "a step applies the change",
    );
    const text = program.steps.map((s) => s.command).join("\n") +
      [...program.entries, ...program.batches].map((e) => new TextDecoder().decode(e.data))
        .join("\n");
    assert.match(text, fixture.compiles);

    const { plan: rollback, skipped } = down(upPlan([changed]), {
      backupsDir: "/var/lib/hostkit/backups/run",
    });
    const inverted = rollback.hosts[0].changes;
    if (inverted.length) {
      assert.equal(inverted[0].id, changed.id);
      const undo = await compileProgram(rollback.hosts[0], {
        runId: "20260614-101149-demo-down-ab12",
        runsRoot: "/var/lib/hostkit",
        secrets: () => undefined,
      });
      assert.ok(undo.steps.length > 0, "the down change compiles to steps");
    } else {
      assert.equal(skipped.length, 1, "no down change says why");
      assert.ok(skipped[0].reason.length > 0);
    }
  });
}
