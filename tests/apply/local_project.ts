/**
 * A small project that lives entirely in a temp dir (files and runs root), for
 * applying for real on this machine without root.
 *
 * @module
 */
import { dirname } from "node:path";
import { apply, type ApplyOptions, type HostResult } from "../../src/apply/mod.ts";
import { project, secretEnv } from "../../src/dsl/mod.ts";
import type { ProjectSpec } from "../../src/model/project.ts";
import { type Plan, plan } from "../../src/plan/mod.ts";
import { localTarget } from "../../src/transport/local.ts";

export const target = localTarget();

/** The only secret the project needs, with a value that must be quoted in the env file. */
export const secrets = (name: string): string | undefined =>
  name === "HK_E2E_TOKEN" ? "t0ken value" : undefined;

/** Bytes that are not UTF-8, carried as base64. */
export const BLOB = new Uint8Array([0, 159, 146, 150, 255, 10]);

export const exists = (path: string): Promise<boolean> =>
  Deno.lstat(path).then(() => true, () => false);

export const modeOf = async (path: string): Promise<number> =>
  (await Deno.stat(path)).mode! & 0o7777;

/** Five resources under `dir`: a directory, a text file, a binary file, a symlink, an env file. */
export function declare(
  dir: string,
  options: { config?: string; configMode?: number; extra?: boolean } = {},
): ProjectSpec {
  return project("e2e", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.directory(`${dir}/app`, { mode: 0o750 });
    p.file(`${dir}/app/config`, {
      content: options.config ?? "v1\n",
      mode: options.configMode ?? 0o640,
    });
    p.file(`${dir}/app/blob`, { base64: btoa(String.fromCharCode(...BLOB)), mode: 0o755 });
    p.symlink(`${dir}/app/current`, `${dir}/app/config`);
    p.envFile(`${dir}/app/app.env`, (e) => {
      e.set("PORT", 4000);
      e.secret("TOKEN", secretEnv("HK_E2E_TOKEN"));
    });
    if (options.extra) p.file(`${dir}/app/extra`, { content: "extra\n" });
  });
}

/** Plans a project against this machine. */
export function planLocal(spec: ProjectSpec): Promise<Plan> {
  return plan(spec, { targets: [target] });
}

/**
 * Applies on this machine with the project's secret, then removes the apply's working dir under
 * /var/tmp (kept on real hosts for its events log) so tests leave nothing behind.
 */
export async function applyHere(
  plan: Plan,
  options: Partial<ApplyOptions> = {},
): Promise<HostResult[]> {
  const results = await apply(plan, { targets: [target], secrets, ...options });
  for (const result of results) {
    if (result.log?.startsWith("/var/tmp/hostkit-apply.")) {
      await Deno.remove(dirname(result.log), { recursive: true }).catch(() => {});
    }
  }
  return results;
}

/** Paths under `dir` (relative) of what apply stages or writes temporarily: `.hostkit-stage.*`, `.hostkit.*`. */
export async function leftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string, relative: string) => {
    for await (const entry of Deno.readDir(path)) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.name.startsWith(".hostkit")) found.push(name);
      else if (entry.isDirectory) await walk(`${path}/${entry.name}`, name);
    }
  };
  await walk(dir, "");
  return found.sort();
}
