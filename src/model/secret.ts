/**
 * Secret references: where a secret comes from, never its value. They travel
 * through specs, plans and records as `{"$secret": {"env": "NAME"}}` and are
 * resolved only at the boundary that needs the value.
 *
 * @module
 */
import { z } from "zod";
import { HostkitError } from "../errors.ts";

/** A secret taken from an environment variable of the controller. */
export const SecretRefSchema = z.strictObject({
  $secret: z.strictObject({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"),
  }),
});

/** A reference to a secret; see {@link secretEnv}. */
export type SecretRef = z.infer<typeof SecretRefSchema>;

/**
 * Refers to a secret held in the controller's environment variable `name`.
 *
 * @example
 * ```ts
 * import { secretEnv } from "./secret.ts";
 * const password = secretEnv("HOSTKIT_SSH_PASSWORD");
 * // { $secret: { env: "HOSTKIT_SSH_PASSWORD" } }
 * ```
 */
export function secretEnv(name: string): SecretRef {
  return SecretRefSchema.parse({ $secret: { env: name } });
}

/** Whether a value is a {@link SecretRef}. */
export function isSecretRef(value: unknown): value is SecretRef {
  return SecretRefSchema.safeParse(value).success;
}

/** Where secret values come from when they are resolved. */
export type SecretSource = (name: string) => string | undefined;

/**
 * Resolves a reference to its value, or fails naming the variable (never the value).
 *
 * @example
 * ```ts
 * import { resolveSecret, secretEnv } from "./secret.ts";
 * const value = resolveSecret(secretEnv("TOKEN"), (name) => Deno.env.get(name), "the example");
 * ```
 */
export function resolveSecret(ref: SecretRef, source: SecretSource, purpose: string): string {
  const value = source(ref.$secret.env);
  if (value === undefined) {
    throw new HostkitError(
      "input",
      `secret environment variable ${ref.$secret.env} is not set (needed for ${purpose})`,
    );
  }
  return value;
}
