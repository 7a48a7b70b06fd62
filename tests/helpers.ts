/**
 * Shared test helpers: paths of the repository, temporary directories, configs
 * written to disk, the CLI run as a subprocess, and projects built from plain data.
 *
 * @module
 */
import { join } from "node:path";
import { ProjectSchema, type ProjectSpec } from "../src/model/project.ts";
import { type Resource, ResourceSchema } from "../src/model/resource.ts";
import type { Target } from "../src/transport/target.ts";
import type { Forwarding } from "../src/transport/ssh.ts";

/** The repository root, with a trailing slash. */
export const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
export const EXAMPLES = join(ROOT, "examples");
export const CONFIG = join(ROOT, "deno.json");

/** A temporary directory, removed when the returned handle is disposed. */
export async function tempDir(prefix = "hostkit-test-"): Promise<
  { path: string; [Symbol.asyncDispose](): Promise<void> }
> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/** Writes `files` (name → text) into `dir` and returns the path of the first one. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  return join(dir, Object.keys(files)[0]);
}

/** Joins lines into a config source, so tests can name the line a statement is on. */
export function lines(...source: string[]): string {
  return source.join("\n") + "\n";
}

/** What a CLI run printed and how it exited. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A cli.ts ...args` with colors off. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, join(ROOT, "cli.ts"), ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...options.env },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** Runs a Deno script (a file) with the repository's config, for code that must run in its own process. */
export async function runScript(path: string, args: string[] = []): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, path, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** A resource from plain data, with the schema's defaults filled in. */
export function resource(data: Record<string, unknown>): Resource {
  return ResourceSchema.parse(data);
}

/** A project from resources given as plain data. */
export function projectOf(
  resources: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): ProjectSpec {
  return ProjectSchema.parse({ name: "test", resources, ...extra });
}

/** Every example config (not the conventions modules they import). */
export async function exampleConfigs(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_conventions.ts")) {
      found.push(join(EXAMPLES, entry.name));
    }
  }
  return found.sort();
}

/** Every conventions module in examples/ (loaded with `--require`, not as configs). */
export async function exampleConventions(): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(EXAMPLES)) {
    if (entry.isFile && entry.name.endsWith("_conventions.ts")) {
      found.push(join(EXAMPLES, entry.name));
    }
  }
  return found.sort();
}

/** The 1-based line of the first line of `fileUrl` containing `marker`, for asserting `file:line` origins. */
export function lineOfMarker(fileUrl: string, marker: string): number {
  const text = Deno.readTextFileSync(new URL(fileUrl));
  const index = text.split("\n").findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`marker ${marker} not found in ${fileUrl}`);
  return index + 1;
}

/**
 * A target that runs everything through `inner` and counts its execs (`spawn` and `run`), so a
 * test can assert round trips; SSH forwarding passes through uncounted when `inner` has it.
 */
export function countExecs(
  inner: Target & Partial<Forwarding>,
  name: string = inner.name,
): Target & Partial<Forwarding> & { execs: number } {
  const counted = {
    execs: 0,
    description: inner.description,
    name,
    address: inner.address,
    sudo: inner.sudo,
    ...(inner.forward ? { forward: inner.forward.bind(inner) } : {}),
    spawn: (command: string, options?: Parameters<Target["spawn"]>[1]) => {
      counted.execs++;
      return inner.spawn(command, options);
    },
    run: (command: string, options?: Parameters<Target["run"]>[1]) => {
      counted.execs++;
      return inner.run(command, options);
    },
    close: () => inner.close(),
  };
  return counted;
}
