/**
 * The env file scope: `s.envFile(path, opts, (e) => { e.set(...); e.secret(...) })`.
 *
 * @module
 */
import type { EnvEntry } from "../model/resource.ts";
import { isSecretRef, secretEnv, type SecretRef } from "../model/secret.ts";

/** Declares the entries of an env file. Secret values are references, resolved at apply. */
export class EnvFileScope {
  /** @internal */
  readonly entries: EnvEntry[] = [];

  /** A plain entry; atoms, numbers and booleans become strings (`"prod"`, `4000`). */
  set(key: string, value: string | number | boolean): void {
    this.entries.push({ key, value: String(value) });
  }

  /** A secret entry: `e.secret("DATABASE_URL", { env: "DATABASE_URL" })` or a {@link SecretRef}. */
  secret(key: string, source: { env: string } | SecretRef): void {
    const ref = isSecretRef(source) ? source : secretEnv((source as { env: string }).env);
    this.entries.push({ key, secret: ref });
  }
}
