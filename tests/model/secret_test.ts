import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { isSecretRef, resolveSecret, secretEnv } from "../../src/model/secret.ts";

Deno.test("secretEnv is a reference, not a value", () => {
  assert.deepEqual(secretEnv("HOSTKIT_SSH_PASSWORD"), {
    $secret: { env: "HOSTKIT_SSH_PASSWORD" },
  });
  assert.ok(isSecretRef(secretEnv("X")));
  assert.equal(isSecretRef({ $secret: { env: "X", value: "leak" } }), false);
  assert.equal(isSecretRef("X"), false);
  assert.throws(() => secretEnv("not a name"));
});

Deno.test("resolving names the variable, never the value", () => {
  const ref = secretEnv("TOKEN");
  assert.equal(resolveSecret(ref, (n) => (n === "TOKEN" ? "s3cret" : undefined), "test"), "s3cret");
  assert.throws(
    () => resolveSecret(ref, () => undefined, "the SSH password of prod"),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" && e.exitCode === 78 &&
      e.message.includes("TOKEN") && e.message.includes("the SSH password of prod"),
  );
});
