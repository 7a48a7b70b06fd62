/**
 * The `remote` integration backend with a hostkit config: the host's password secret must be
 * set before tests start, and only its variable's name (never the value) reaches the tests.
 */
import assert from "node:assert/strict";
import { remoteBackend } from "../../scripts/integration.ts";
import { tempDir } from "../helpers.ts";

Deno.test("remote backend: a config's SSH password secret is required up front and passed on by name", async () => {
  await using tmp = await tempDir();
  const variable = `HK_IT_PW_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  const config = `${tmp.path}/hosts.ts`;
  await Deno.writeTextFile(
    config,
    `import { project, secretEnv } from "hostkit";
export default project("infra", (p) => {
  p.host("prod", (h) => {
    h.hostname("host.example");
    h.ssh({ identityFile: "/keys/id_ed25519", password: secretEnv("${variable}") });
  });
});
`,
  );
  Deno.env.set("HOSTKIT_INTEGRATION_CONFIG", config);
  try {
    await assert.rejects(
      remoteBackend(),
      new RegExp(`${variable} is not set \\(needed for the SSH password of host prod\\)`),
    );
    Deno.env.set(variable, "s3cret-value");
    const { backend } = await remoteBackend();
    const [host] = await backend.ensure(1);
    assert.equal(host.sshPasswordEnv, variable);
    assert.equal(host.address, "host.example");
    assert.ok(!JSON.stringify(host).includes("s3cret-value"), "the value stays in the environment");
  } finally {
    Deno.env.delete("HOSTKIT_INTEGRATION_CONFIG");
    Deno.env.delete(variable);
  }
});
