/**
 * Renders env files in the syntax both systemd's EnvironmentFile= and dotenv
 * parsers read the same way.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { EnvEntry, EnvFile } from "../model/resource.ts";
import { resolveSecret, type SecretSource } from "../model/secret.ts";

const BARE_VALUE = /^[A-Za-z0-9_./:@%+,=-]*$/;

/**
 * Quotes one value: bare when safe, else double quotes with `\ " $ \`` escaped.
 * Line breaks are refused: systemd and dotenv disagree on them.
 *
 * @example
 * ```ts
 * import { envValue } from "./env_file.ts";
 * envValue("prod"); // "prod"
 * envValue("a b$c"); // "\"a b\\$c\""
 * ```
 */
export function envValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new TypeError("env values must not contain line breaks or NUL");
  if (BARE_VALUE.test(value)) return value;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/**
 * One rendered line, `KEY=value`. Secret entries need a source of values; without
 * one (or without the variable) rendering is refused, naming the variable.
 *
 * @example
 * ```ts
 * import { envLine } from "./env_file.ts";
 * envLine({ key: "PORT", value: "4000" }); // "PORT=4000"
 * ```
 */
export function envLine(entry: EnvEntry, secrets?: SecretSource, file = "env file"): string {
  if ("value" in entry) return `${entry.key}=${envValue(entry.value)}`;
  if (!secrets) {
    throw new HostkitError(
      "input",
      `${file}: ${entry.key} is a secret (${entry.secret.$secret.env}); it is rendered only at apply`,
    );
  }
  const value = resolveSecret(entry.secret, secrets, `${entry.key} in ${file}`);
  if (/[\n\r\0]/.test(value)) {
    // The value is never shown: only where it came from.
    throw new HostkitError(
      "input",
      `${file}: the secret ${entry.key} (from $${entry.secret.$secret.env}) contains a line ` +
        "break or NUL, which env files cannot hold (systemd and dotenv read them differently)",
    );
  }
  return `${entry.key}=${envValue(value)}`;
}

/**
 * Renders a whole env file.
 *
 * @example
 * ```ts
 * import { renderEnvFile } from "./env_file.ts";
 * renderEnvFile(envFile, (name) => Deno.env.get(name));
 * ```
 */
export function renderEnvFile(file: EnvFile, secrets?: SecretSource): string {
  const seen = new Set<string>();
  const lines = ["# Managed by hostkit. Local edits are overwritten on the next apply."];
  for (const entry of file.entries) {
    if (seen.has(entry.key)) throw new TypeError(`${file.path}: ${entry.key} is set twice`);
    seen.add(entry.key);
    lines.push(envLine(entry, secrets, file.path));
  }
  return lines.join("\n") + "\n";
}
