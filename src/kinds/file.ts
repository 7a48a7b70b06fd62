/**
 * `file`: a file whose bytes the config declares (text, base64, or a source
 * file of the project read on the controller).
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { type FileResource, FileSchema } from "../model/resource.ts";
import type { KindHandler } from "./types.ts";
import {
  compileFile,
  decodeBase64,
  explainFile,
  fileAfter,
  fileDesired,
  fileDiff,
  fileParse,
  fileVerdict,
  invertFile,
  type Renderer,
} from "./file_like.ts";
import { edgesOfOwnership } from "./ownership.ts";

const encoder = new TextEncoder();

const render: Renderer<FileResource> = (r, _secrets, readSource) => {
  const content = r.content;
  if ("text" in content) return encoder.encode(content.text);
  if ("base64" in content) return decodeBase64(content.base64, `file:${r.path}`);
  if (!readSource) {
    throw new HostkitError("input", `file:${r.path}: its source ${content.source} was not read`);
  }
  return readSource(content.source);
};

/** The `file` kind. */
export const file: KindHandler<FileResource> = {
  kind: "file",
  schema: FileSchema,
  name: (r) => r.path,
  hostPath: (r) => r.path,
  defaultMode: 0o644,
  render,
  sensitive: (r) => r.sensitive,
  probe: (r, index, probe) => probe.path(index, r.path, "f"),
  parse: (_r, tags) => fileParse(tags),
  desired: (r, context) => fileDesired(r, render, context, false, `file:${r.path}`),
  diff: (_r, desired, state) =>
    fileVerdict(
      fileDiff(desired, state, (path) =>
        desired.sha256 !== undefined && path.sha256 !== desired.sha256 ? ["content"] : []),
    ),
  after: (_r, desired, state, action) => fileAfter(desired, state, action, 0o644),
  relate: (_r, verdict) => verdict,
  edges: edgesOfOwnership,
  inventoried: false,
  role: "resource",
  compile: (change, context) => compileFile(change, change.resource.path, render, context),
  invert: (change, context) =>
    invertFile(change, change.resource.path, context.backupsDir, {
      deleted: false,
      updated: false,
    }),
  explain: explainFile,
};
