/**
 * The reader of file sources (`s.file(path, { source })`) that plans and
 * `render` use: {@link SourcePolicy} with the project's roots.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { resourceId } from "../model/resource.ts";
import { SOURCE_LIMIT, SourcePolicy, SourceRefused } from "./sources.ts";

/**
 * The file-source reader plans and `render` use: the project's roots (set by the
 * loader; a project built by hand reads under the working directory), the size
 * cap, and a clear error naming the resources that asked and where they were declared.
 *
 * @example
 * ```ts
 * import { sourceReader } from "./source_reader.ts";
 * const read = sourceReader({ sourceRoots: ["/work/infra"], resources: [] });
 * read("/work/infra/app.conf");
 * ```
 */
export function sourceReader(
  project: { sourceRoots?: string[]; resources: { kind: string; origin?: string }[] },
): (path: string) => Uint8Array {
  const policy = new SourcePolicy(project.sourceRoots ?? [Deno.cwd()]);
  const askers = (path: string) =>
    project.resources
      .filter((r) => (r as { content?: { source?: string } }).content?.source === path)
      .map((r) =>
        `${resourceId(r as Parameters<typeof resourceId>[0])}${r.origin ? ` (${r.origin})` : ""}`
      );
  return (path) => {
    try {
      return policy.read(path, SOURCE_LIMIT);
    } catch (error) {
      if (!(error instanceof SourceRefused)) throw error;
      const who = askers(path);
      throw new HostkitError(
        "input",
        `${
          who.length ? who.join(", ") : "a resource"
        }: file source ${path} refused: ${error.reason}`,
      );
    }
  };
}
