/**
 * The env file scope: `s.envFile(path, opts, (e) => { e.set(...); e.secret(...) })`.
 *
 * @module
 */
import type { EnvEntry } from "../model/resource.ts";
import { isSecretRef, secretEnv, type SecretRef } from "../model/secret.ts";
import { checkArgument, describe, is, noExtraArguments, wordError } from "./options.ts";

/** Declares the entries of an env file. Secret values are references, resolved at apply. */
export class EnvFileScope {
  /** @internal */
  readonly entries: EnvEntry[] = [];

  /** @internal */
  constructor(readonly path = "env file") {}

  /**
   * A plain entry; atoms, numbers and booleans become strings (`"prod"`, `4000`).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.envFile("/etc/app/env", (e) => e.set("PORT", 4000)));
   * ```
   */
  set(key: string, value: string | number | boolean, ...extra: never[]): void {
    noExtraArguments(`${this.path} set`, 2, extra);
    checkArgument(`${this.path} set`, "the value", value, is.scalar);
    this.entries.push({ key: envKey(`${this.path} set`, key), value: String(value) });
  }

  /**
   * A secret entry: `e.secret("DATABASE_URL", { env: "DATABASE_URL" })` or a {@link SecretRef}.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) => p.envFile("/etc/app/env", (e) => e.secret("DATABASE_URL", { env: "DATABASE_URL" })));
   * ```
   */
  secret(key: string, source: { env: string } | SecretRef, ...extra: never[]): void {
    noExtraArguments(`${this.path} secret`, 2, extra);
    if (isSecretRef(source)) {
      this.entries.push({ key: envKey(`${this.path} secret`, key), secret: source });
      return;
    }
    const given = source as Record<string, unknown> | undefined;
    if (given && typeof given === "object" && ("file" in given || "command" in given)) {
      throw wordError(
        `${this.path} secret`,
        "file- and command-backed secrets are not supported: a config may not choose files or " +
          "commands on the controller; export the value in an environment variable and use { env }",
      );
    }
    if (
      !given || typeof given !== "object" || Object.keys(given).length !== 1 ||
      typeof given.env !== "string"
    ) {
      throw wordError(
        `${this.path} secret`,
        `expected { env: "NAME" } or secretEnv("NAME"), got ${describe(source)}`,
      );
    }
    let ref: SecretRef;
    try {
      ref = secretEnv(given.env);
    } catch {
      throw wordError(
        `${this.path} secret`,
        `${JSON.stringify(given.env)} is not an environment variable name`,
      );
    }
    this.entries.push({ key: envKey(`${this.path} secret`, key), secret: ref });
  }
}

function envKey(word: string, key: string): string {
  if (typeof key !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw wordError(word, `${describe(key)} is not a variable name`);
  }
  return key;
}
