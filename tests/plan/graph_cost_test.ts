/**
 * The graph builder's work grows linearly with the resources: counted (map and set lookups,
 * pairwise comparisons between members of a service), never timed.
 */
import assert from "node:assert/strict";
import { type Resource, resourceId } from "../../src/model/resource.ts";
import { dependencies, graphWork, order, resetGraphWork } from "../../src/plan/graph.ts";
import { resource } from "../helpers.ts";

/**
 * A service of `files` files in one directory, owned by its account, plus what makes the old
 * builder quadratic: a package, a tool, commands before and after start, a unit and a timer.
 */
function service(files: number): Resource[] {
  const s = { service: "web" };
  const data: Record<string, unknown>[] = [
    { kind: "package", name: "git", ...s },
    { kind: "mise_tool", name: "node", version: "22", ...s },
    { kind: "account", name: "web", ...s },
    { kind: "directory", path: "/srv/web", owner: "web", ...s },
    { kind: "command", name: "migrate", exec: ["/bin/true"], phase: "before_start", ...s },
    {
      kind: "systemd_service",
      name: "web.service",
      sections: [["Service", [["User", "web"], ["WorkingDirectory", "/srv/web"]]]],
      ...s,
    },
    { kind: "command", name: "warm", exec: ["/bin/true"], phase: "after_start", ...s },
    { kind: "systemd_timer", name: "web.timer", unit: "web.service", sections: [], ...s },
  ];
  for (let i = 0; i < files; i++) {
    data.push({
      kind: "file",
      path: `/srv/web/f${i}.txt`,
      content: { text: `${i}\n` },
      owner: "web",
      ...s,
      ...(i % 100 === 0 ? { dependsOn: ["directory:/srv/web"] } : {}),
    });
  }
  return data.map(resource);
}

interface Work {
  lookups: number;
  comparisons: number;
  edges: number;
  ids: string[];
}

function work(resources: Resource[]): Work {
  const ids = resources.map(resourceId);
  resetGraphWork();
  const deps = dependencies(resources, ids);
  const ordered = order(ids, deps);
  let edges = 0;
  for (const after of deps.values()) edges += after.length;
  return { ...graphWork, edges, ids: ordered };
}

Deno.test("the graph of 10,000 resources of one service costs O(n) lookups and comparisons", () => {
  const n = 10_000;
  const small = work(service(n / 2));
  const large = work(service(n));
  assert.equal(large.ids.length, n + 8, "every resource is ordered");
  // The builder is really counting: a service of 10,000 files does real work.
  assert.ok(large.lookups >= n, `lookups ${large.lookups}`);
  // Each file waits for its directory, account and the setup of its service; the commands for all...
  assert.ok(large.edges <= 8 * n, `edges ${large.edges} for ${n} resources`);
  // ...and costs a few lookups per resource and per edge: parents, edges, service, the order.
  assert.ok(
    large.lookups <= 4 * (n + large.edges),
    `lookups ${large.lookups} for ${n} resources and ${large.edges} edges`,
  );
  // The two commands wait for their whole service (2n); everything else only for its setup.
  assert.ok(large.comparisons <= 6 * n, `comparisons ${large.comparisons} for ${n} resources`);
  // Twice the resources, twice the work (a quadratic builder would do four times as much).
  for (const key of ["lookups", "comparisons", "edges"] as const) {
    const ratio = large[key] / small[key];
    assert.ok(ratio > 1.8 && ratio < 2.2, `${key}: ${small[key]} → ${large[key]} (x${ratio})`);
  }
});

Deno.test("the counted graph still orders a service: setup, files, unit, after_start", () => {
  const { ids } = work(service(50));
  const at = (id: string) => ids.indexOf(id);
  assert.ok(at("package:git") < at("mise_tool:node"));
  assert.ok(at("account:web") < at("directory:/srv/web"));
  assert.ok(at("directory:/srv/web") < at("file:/srv/web/f0.txt"));
  assert.ok(at("file:/srv/web/f49.txt") < at("command:warm"));
  assert.ok(at("command:migrate") < at("systemd_service:web.service"));
  assert.ok(at("systemd_service:web.service") < at("command:warm"));
  assert.ok(at("systemd_service:web.service") < at("systemd_timer:web.timer"));
});
