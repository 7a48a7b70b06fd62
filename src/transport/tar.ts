/**
 * A tar stream of in-memory files, for sending a program and its payload to a
 * host over one exec channel (`tar -x` on the other side).
 *
 * @module
 */
import { pack } from "tar-stream";

/** One file of a tar stream: a relative path and its bytes. */
export interface TarEntry {
  /** A relative path inside the archive (never absolute, never `..`). */
  name: string;
  /** The file's bytes. */
  data: Uint8Array;
  /** Default 0o600: payloads may hold secrets. */
  mode?: number;
  /** Owner and group names, applied when root extracts the archive. */
  uname?: string;
  /** The group name, as `uname`. */
  gname?: string;
}

/**
 * A ustar stream of `entries`, produced as it is read.
 *
 * @example
 * ```ts
 * import { tarStream } from "./tar.ts";
 * import { Target } from "./target.ts";
 *
 * const stream = tarStream([{ name: "run.sh", data: new TextEncoder().encode("echo hi\n") }]);
 * await Target.local().run("mkdir -p /tmp/x && tar -x -C /tmp/x", { stdin: stream });
 * ```
 */
export function tarStream(entries: TarEntry[]): ReadableStream<Uint8Array> {
  const archive = pack();
  (async () => {
    for (const entry of entries) {
      if (entry.name.startsWith("/") || entry.name.split("/").includes("..")) {
        archive.destroy(new Error(`tar entry ${entry.name} escapes the archive`));
        return;
      }
      await new Promise<void>((resolve, reject) => {
        archive.entry(
          {
            name: entry.name,
            size: entry.data.length,
            mode: entry.mode ?? 0o600,
            mtime: new Date(0),
            uname: entry.uname,
            gname: entry.gname,
          },
          entry.data,
          (error?: Error | null) => error ? reject(error) : resolve(),
        );
      });
    }
    archive.finalize();
  })().catch((error) => archive.destroy(error));
  return ReadableStream.from(archive as AsyncIterable<Uint8Array>);
}

/**
 * A whole tar archive as bytes, e.g. to ship inside another archive.
 *
 * @example
 * ```ts
 * import { tarBytes } from "./tar.ts";
 *
 * const bytes = new TextEncoder().encode("PORT=4000\n");
 * const inner = await tarBytes([{ name: "srv/app/config", data: bytes, mode: 0o644 }]);
 * inner.length % 512; // 0: tar archives are made of 512-byte blocks
 * ```
 */
export async function tarBytes(entries: TarEntry[]): Promise<Uint8Array> {
  return await new Response(tarStream(entries)).bytes();
}
