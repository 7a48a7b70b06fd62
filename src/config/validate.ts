/**
 * Validation of what a config exported: a ProjectSpec or a clear error.
 *
 * @module
 */
import { z } from "zod";
import { ProjectSchema, type ProjectSpec } from "../model/project.ts";
import { ConfigError } from "./error.ts";

/**
 * Validates a value as a ProjectSpec; errors name the config file.
 *
 * @example
 * ```ts
 * import { validateSpec } from "./validate.ts";
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
