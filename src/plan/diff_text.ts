/**
 * Unified diffs of text content for plan output.
 *
 * @module
 */
import { createTwoFilesPatch } from "diff";

/** Content larger than this is summarized instead of diffed. */
const MAX_DIFF_BYTES = 64 * 1024;

/**
 * A unified diff between the host's and the declared text, or undefined when
 * either side is binary or too large.
 *
 * @example
 * ```ts
 * import { textDiff } from "./diff_text.ts";
 * textDiff("/etc/motd", new TextEncoder().encode("old\n"), "new\n");
 * ```
 */
export function textDiff(
  path: string,
  current: Uint8Array | undefined,
  desired: string,
): string | undefined {
  if (desired.length > MAX_DIFF_BYTES || (current && current.length > MAX_DIFF_BYTES)) {
    return undefined;
  }
  let before = "";
  if (current) {
    try {
      before = new TextDecoder("utf-8", { fatal: true }).decode(current);
    } catch {
      return undefined;
    }
  }
  const patch = createTwoFilesPatch(
    `${path} (host)`,
    `${path} (declared)`,
    before,
    desired,
    "",
    "",
    {
      context: 3,
    },
  );
  // Drop the "Index"/separator preamble; keep from the --- line.
  return patch.slice(patch.indexOf("---")).replace(/\t$/gm, "");
}
