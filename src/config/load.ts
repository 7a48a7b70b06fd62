/**
 * Loads a config: read and transpile its modules, evaluate them in the
 * permission-less sandbox worker, validate the result.
 *
 * @module
 */
import { resolve } from "node:path";
import { ProjectSchema, type ProjectSpec } from "../model/project.ts";
import { z } from "zod";
import { ConfigError } from "./error.ts";
import { readGraph } from "./graph.ts";
import type { WorkerRequest, WorkerResponse } from "./worker.ts";

/** Options of {@link load}. */
export interface LoadOptions {
  /** Modules evaluated before the config (e.g. project-local conventions). */
  require?: string[];
  /** Give up after this long (default 10 s): a config may loop forever. */
  timeoutMs?: number;
}

/** The config did not finish in time. The stuck worker cannot be stopped: exit the process. */
export class ConfigTimeoutError extends ConfigError {}

/**
 * Loads a config file and returns its validated ProjectSpec. Never touches a host.
 *
 * @example
 * ```ts
 * import { load } from "./load.ts";
 * const project = await load("infra/config.ts", { require: ["infra/toys_infra.ts"] });
 * console.log(project.resources.length);
 * ```
 */
export async function load(path: string, options: LoadOptions = {}): Promise<ProjectSpec> {
  const entry = resolve(path);
  const requires = (options.require ?? []).map((p) => resolve(p));
  const timeoutMs = options.timeoutMs ?? 10_000;
  // The worker loads the DSL while this thread reads and transpiles the config.
  const worker = new Worker(new URL("./worker.ts", import.meta.url), {
    type: "module",
    name: "hostkit-config",
    deno: { permissions: "none" },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const modules = await readGraph([...requires, entry]);
    const response = await new Promise<WorkerResponse>((resolvePromise, reject) => {
      timer = setTimeout(() => {
        reject(
          new ConfigTimeoutError(
            `evaluating the config took longer than ${timeoutMs / 1000} s (an endless loop?); ` +
              `raise the limit with --timeout SECONDS`,
            entry,
          ),
        );
      }, timeoutMs);
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => resolvePromise(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new ConfigError(`the config crashed its sandbox: ${event.message}`, entry));
      };
      const request: WorkerRequest = { modules, entry, requires };
      worker.postMessage(request);
    });
    if (!response.ok) throw new ConfigError(response.message, response.origin);
    return validateSpec(response.spec, entry);
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}

/**
 * Validates a value as a ProjectSpec; errors name the config file.
 *
 * @example
 * ```ts
 * import { validateSpec } from "./load.ts";
 * validateSpec({ name: "demo" }, "inline");
 * ```
 */
export function validateSpec(value: unknown, file: string): ProjectSpec {
  if (typeof value !== "object" || value === null || !("resources" in value)) {
    throw new ConfigError(
      'the default export is not a project: use `export default project("name", (p) => { ... })`',
      `${file}:1`,
    );
  }
  const parsed = ProjectSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`invalid project: ${z.prettifyError(parsed.error)}`, file);
  }
  return parsed.data;
}
