/**
 * The sandbox: evaluates transpiled config modules in a Worker started with
 * every permission denied, and posts back the plain ProjectSpec. Modules are
 * linked through blob URLs; the bare `hostkit` specifier is the built-in DSL.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import * as dsl from "../dsl/mod.ts";
import { setOriginMapper } from "../dsl/origin.ts";
import { ProjectError, setDefaultConventions } from "../dsl/project.ts";
import type { ModuleSource } from "./graph.ts";

/** What the loader sends. */
export interface WorkerRequest {
  modules: ModuleSource[];
  entry: string;
  requires: string[];
}

/** What the worker answers. */
export type WorkerResponse =
  | { ok: true; spec: unknown }
  | { ok: false; message: string; origin?: string; sandbox?: boolean };

const DSL_GLOBAL = "__hostkitDsl";

/** Thrown where a config tries to end the sandbox, which would leave the loader waiting. */
class ExitRefused extends Error {}

/**
 * Makes exiting throw: `Deno.exit()` (also behind `process.exit()`) and
 * `self.close()` end the worker without an answer, so the loader would wait
 * for its timeout. The error is reported at the config's line instead.
 */
function refuseExits(): void {
  const refuse = (call: string) => () => {
    throw new ExitRefused(
      `configs cannot exit (${call} was called): a config ends by exporting its project ` +
        "(`export default project(...)`); throw an Error to stop with a message",
    );
  };
  const replace = { writable: true, configurable: true };
  Object.defineProperty(Deno, "exit", { ...replace, value: refuse("Deno.exit()") });
  Object.defineProperty(globalThis, "close", { ...replace, value: refuse("self.close()") });
}

function blobUrl(code: string): string {
  return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
}

function link(modules: ModuleSource[]): Map<string, string> {
  (globalThis as Record<string, unknown>)[DSL_GLOBAL] = dsl;
  const dslModule = Object.keys(dsl)
    .map((name) => `export const ${name} = globalThis.${DSL_GLOBAL}.${name};`)
    .join("\n");
  const urls = new Map<string, string>([["hostkit", blobUrl(dslModule)]]);
  for (const module of modules) {
    let code = module.code;
    for (const spec of [...module.imports].sort((a, b) => b.start - a.start)) {
      code = code.slice(0, spec.start) + urls.get(spec.target) + code.slice(spec.end);
    }
    urls.set(module.path, blobUrl(code));
  }
  return urls;
}

function describe(error: unknown, pathOf: Map<string, string>): WorkerResponse {
  if (error instanceof ProjectError) {
    return { ok: false, message: error.message, origin: error.origin };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  let stack = err.stack ?? String(err);
  for (const [url, path] of pathOf) stack = stack.replaceAll(url, path);
  const frame = /(\/[^\s():]+):(\d+):\d+\)?$/m.exec(
    stack.split("\n").slice(1).find((l) => [...pathOf.values()].some((p) => l.includes(p))) ?? "",
  );
  const origin = frame ? `${frame[1]}:${frame[2]}` : undefined;
  if (err instanceof ExitRefused) return { ok: false, origin, message: err.message };
  const sandbox = err.name === "NotCapable" || /Requires \w+ access/.test(err.message);
  if (sandbox) {
    return {
      ok: false,
      sandbox: true,
      origin,
      message: `the config tried to touch the host (${err.message.split("\n")[0]}). ` +
        `Configs run with no permissions; use secretEnv(...) for secrets and file sources for files.`,
    };
  }
  return { ok: false, origin, message: `${err.name}: ${err.message}` };
}

refuseExits();

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { modules, entry, requires } = event.data;
  const urls = link(modules);
  const pathOf = new Map([...urls].filter(([path]) => path !== "hostkit").map(([p, u]) => [u, p]));
  setOriginMapper((url) => pathOf.get(url));
  let response: WorkerResponse;
  try {
    for (const path of requires) {
      const required = await import(urls.get(path)!);
      if (dsl.isConventions(required.default)) setDefaultConventions(required.default);
    }
    const config = await import(urls.get(entry)!);
    const spec = config.default;
    if (spec === undefined) {
      response = {
        ok: false,
        origin: `${entry}:1`,
        message: "the config has no default export: end it with `export default project(...)`",
      };
    } else {
      response = { ok: true, spec: JSON.parse(JSON.stringify(spec)) };
    }
  } catch (error) {
    response = describe(error, pathOf);
  }
  self.postMessage(response);
};
