/**
 * `env_file`: `KEY=value` lines for systemd's EnvironmentFile= and dotenv.
 * Compared line by line through hashes; secret values are never read back,
 * only reported present, and rendered only at apply.
 *
 * @module
 */
import { type EnvFile, EnvFileSchema } from "../model/resource.ts";
import { envLine, renderEnvFile } from "../render/env_file.ts";
import type { Drift } from "../plan/types.ts";
import type { KindHandler } from "./types.ts";
import {
  fileAfter,
  fileDesired,
  fileDiff,
  fileVerdict,
  plainFileParts,
  sha256,
  textRenderer,
} from "./file_like.ts";
import type { ExistingPath } from "./paths.ts";

const render = textRenderer<EnvFile>((r, secrets) => renderEnvFile(r, secrets));

const hasSecrets = (r: EnvFile) => r.entries.some((e) => "secret" in e);

/**
 * Hashes of the rendered `KEY=value` lines of an env file's plain entries
 * (secret entries: null, only their presence is compared).
 *
 * @example
 * ```ts
 * import { envLineHashes } from "./env_file.ts";
 * const hashes = envLineHashes({
 *   kind: "env_file", path: "/etc/app.env", entries: [{ key: "PORT", value: "4000" }],
 *   dependsOn: [], rollback: "delete_if_created",
 * });
 * hashes.PORT?.length; // 64
 * ```
 */
export function envLineHashes(r: EnvFile): Record<string, string | null> {
  const hashes: Record<string, string | null> = {};
  for (const entry of r.entries) {
    hashes[entry.key] = "value" in entry ? sha256(envLine(entry)) : null;
  }
  return hashes;
}

function envDrift(r: EnvFile, path: ExistingPath): Drift[] {
  const have = path.envKeys ?? {};
  const drift: Drift[] = [];
  const want = new Set<string>();
  for (const entry of r.entries) {
    want.add(entry.key);
    if (!(entry.key in have)) drift.push({ env: `+${entry.key}` });
    else if ("value" in entry && have[entry.key] !== "same") drift.push({ env: `~${entry.key}` });
  }
  for (const key of Object.keys(have)) if (!want.has(key)) drift.push({ env: `-${key}` });
  return drift;
}

/** The `env_file` kind. */
export const envFile: KindHandler<EnvFile> = {
  kind: "env_file",
  schema: EnvFileSchema,
  name: (r) => r.path,
  ...plainFileParts(render),
  hostPath: (r) => r.path,
  defaultMode: 0o600,
  render,
  sensitive: hasSecrets,
  probe: (r, index, probe) => {
    const hashes = envLineHashes(r);
    probe.path(index, r.path, "e", {
      secretKeys: r.entries.filter((e) => "secret" in e).map((e) => e.key),
      lineHashes: Object.fromEntries(
        Object.entries(hashes).filter((e): e is [string, string] => e[1] !== null),
      ),
    });
  },
  desired: (r, context) => fileDesired(r, render, context, hasSecrets(r), `env_file:${r.path}`),
  diff: (r, desired, state) => fileVerdict(fileDiff(desired, state, (path) => envDrift(r, path))),
  after: (_r, desired, state, action) => fileAfter(desired, state, action, 0o600),
};
