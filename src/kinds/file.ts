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
  decodeBase64,
  fileAfter,
  fileDesired,
  fileDiff,
  fileVerdict,
  plainFileParts,
  type Renderer,
} from "./file_like.ts";

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
  ...plainFileParts(render),
  hostPath: (r) => r.path,
  defaultMode: 0o644,
  render,
  sensitive: (r) => r.sensitive,
  probe: (r, index, probe) => probe.path(index, r.path, "f"),
  desired: (r, context) => fileDesired(r, render, context, false, `file:${r.path}`),
  diff: (_r, desired, state) =>
    fileVerdict(
      fileDiff(desired, state, (path) =>
        desired.sha256 !== undefined && path.sha256 !== desired.sha256 ? ["content"] : []),
    ),
  after: (_r, desired, state, action) => fileAfter(desired, state, action, 0o644),
};
