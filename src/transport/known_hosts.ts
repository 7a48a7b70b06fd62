/**
 * Host key verification against OpenSSH known_hosts files: plain and hashed host entries,
 * comma lists, `[host]:port`, `*`/`?` wildcards, `!` negation and the `@revoked` marker
 * (`@cert-authority` lines are ignored: hostkit does not accept host certificates).
 *
 * @module
 */
import { createHash, createHmac } from "node:crypto";
import { dirname } from "node:path";
import { HostkitError } from "../errors.ts";
import type { HostKeyPolicy } from "./options.ts";
import { quote } from "./shell.ts";

/** A host key as the server presented it: its SSH wire-format blob and what it identifies as. */
export interface HostKey {
  /** The key's algorithm name as stored in known_hosts, e.g. `ssh-ed25519`. */
  type: string;
  /** The public key blob (what known_hosts stores base64-encoded). */
  blob: Uint8Array;
}

/** One usable line of a known_hosts file. */
export interface KnownHostsEntry {
  file: string;
  /** 1-based line number, for messages that point at the entry. */
  line: number;
  marker?: "revoked" | "cert-authority";
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  type: string;
  blob: Uint8Array;
}

/** The outcome of looking a host key up in known_hosts entries. */
export type HostKeyLookup =
  | { status: "known"; entry: KnownHostsEntry }
  | { status: "revoked"; entry: KnownHostsEntry }
  /** The host is recorded with another key of the same type. */
  | { status: "changed"; entry: KnownHostsEntry }
  /** Nothing recorded for this key type; `knownTypes` lists types recorded for the host. */
  | { status: "unknown"; knownTypes: string[] };

/**
 * Reads the key type out of an SSH public key blob (a length-prefixed string comes first).
 *
 * @example
 * ```ts
 * import { hostKeyFromBlob } from "./known_hosts.ts";
 * const key = hostKeyFromBlob(blob); // { type: "ssh-ed25519", blob }
 * ```
 */
export function hostKeyFromBlob(blob: Uint8Array): HostKey {
  if (blob.length < 4) throw new HostkitError("hostKey", "the server sent a malformed host key");
  const length = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) {
    throw new HostkitError("hostKey", "the server sent a malformed host key");
  }
  return { type: new TextDecoder().decode(blob.subarray(4, 4 + length)), blob };
}

/**
 * The SHA256 fingerprint of a key blob, formatted as `ssh-keygen -lf` prints it.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./known_hosts.ts";
 * fingerprint(blob); // "SHA256:uVPk2pPzM1QJpyBZ4i9YuT0QxUr4kk3T4sRZDvoKgMg"
 * ```
 */
export function fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * The short key type name `ssh-keygen -lf` shows in parentheses, e.g. `ED25519`.
 *
 * @example
 * ```ts
 * import { keyTypeLabel } from "./known_hosts.ts";
 * keyTypeLabel("ecdsa-sha2-nistp256"); // "ECDSA"
 * ```
 */
export function keyTypeLabel(type: string): string {
  if (type === "ssh-ed25519") return "ED25519";
  if (type === "ssh-rsa") return "RSA";
  if (type === "ssh-dss") return "DSA";
  if (type.startsWith("ecdsa-sha2-")) return "ECDSA";
  if (type.startsWith("sk-ssh-ed25519")) return "ED25519-SK";
  if (type.startsWith("sk-ecdsa-")) return "ECDSA-SK";
  return type.toUpperCase();
}

/** `-t` argument of ssh-keyscan for a key type. */
function keyscanType(type: string): string {
  return keyTypeLabel(type).toLowerCase().replace("-sk", "");
}

/**
 * The name a host is recorded under: `host` on port 22, `[host]:port` elsewhere, lowercased
 * (OpenSSH compares host names case-insensitively and lowercases them before lookup).
 *
 * @example
 * ```ts
 * import { knownHostName } from "./known_hosts.ts";
 * knownHostName("Example.org", 22); // "example.org"
 * knownHostName("10.0.0.5", 2222); // "[10.0.0.5]:2222"
 * ```
 */
export function knownHostName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/**
 * Parses the text of a known_hosts file. Comments, blank and malformed lines are skipped,
 * as OpenSSH does.
 *
 * @example
 * ```ts
 * import { parseKnownHosts } from "./known_hosts.ts";
 * const entries = parseKnownHosts(await Deno.readTextFile(path), path);
 * ```
 */
export function parseKnownHosts(text: string, file: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const fields = raw.trim().split(/[ \t]+/);
    if (fields[0] === "" || fields[0].startsWith("#")) return;
    let marker: KnownHostsEntry["marker"];
    if (fields[0].startsWith("@")) {
      const name = fields.shift();
      if (name === "@revoked") marker = "revoked";
      else if (name === "@cert-authority") marker = "cert-authority";
      else return;
    }
    const [hosts, type, base64] = fields;
    const blob = base64 === undefined ? undefined : decodeBase64(base64);
    if (!hosts || !type || !blob) return;
    entries.push({ file, line: index + 1, marker, hosts, type, blob });
  });
  return entries;
}

/**
 * Whether a known_hosts host field matches a name from {@link knownHostName}. A hashed field
 * (`|1|salt|hash`) matches when HMAC-SHA1 of the name keyed with the salt equals the hash.
 * A plain field matches when some pattern matches and no negated (`!`) pattern does.
 *
 * @example
 * ```ts
 * import { matchesHost } from "./known_hosts.ts";
 * matchesHost("*.example.org,!bad.example.org", "web.example.org"); // true
 * matchesHost("[10.0.0.5]:2222", "10.0.0.5"); // false: the port is part of the name
 * ```
 */
export function matchesHost(hosts: string, name: string): boolean {
  if (hosts.startsWith("|1|")) {
    const [, , salt, hash] = hosts.split("|");
    if (!salt || !hash) return false;
    const key = decodeBase64(salt);
    if (!key) return false;
    const expected = createHmac("sha1", key).update(name).digest("base64");
    return expected === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(",")) {
    if (pattern.startsWith("!")) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

function wildcardMatch(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name;
  const source = pattern.toLowerCase().split("").map((c) =>
    c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")
  ).join("");
  return new RegExp(`^${source}$`).test(name);
}

/** Decodes base64, or returns undefined for text that is not valid base64. */
function decodeBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Looks a host key up: revoked wins over everything, then any entry with this very key
 * (a stale line elsewhere does not matter, as in OpenSSH), then a different key of the same
 * type (changed), else unknown.
 *
 * @example
 * ```ts
 * import { lookupHostKey, knownHostName } from "./known_hosts.ts";
 * const result = lookupHostKey(entries, knownHostName("10.0.0.5", 22), key);
 * if (result.status === "changed") console.log(`${result.entry.file}:${result.entry.line}`);
 * ```
 */
export function lookupHostKey(
  entries: KnownHostsEntry[],
  name: string,
  key: HostKey,
): HostKeyLookup {
  const forHost = entries.filter((e) =>
    e.marker !== "cert-authority" && matchesHost(e.hosts, name)
  );
  const revoked = forHost.find((e) => e.marker === "revoked" && sameBytes(e.blob, key.blob));
  if (revoked) return { status: "revoked", entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.type === key.type && sameBytes(e.blob, key.blob));
  if (known) return { status: "known", entry: known };
  const changed = plain.find((e) => e.type === key.type);
  if (changed) return { status: "changed", entry: changed };
  return { status: "unknown", knownTypes: [...new Set(plain.map((e) => e.type))] };
}

/**
 * Reads and parses known_hosts files; a missing file is treated as empty. Synchronous because
 * it runs inside ssh2's host key callback (see {@link verifyHostKey}).
 *
 * @example
 * ```ts
 * import { readKnownHosts } from "./known_hosts.ts";
 * const entries = readKnownHosts(["/root/.ssh/known_hosts"]);
 * ```
 */
export function readKnownHosts(files: string[]): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new HostkitError("input", `cannot read known_hosts file ${file}: ${message(error)}`);
    }
    entries.push(...parseKnownHosts(text, file));
  }
  return entries;
}

/**
 * Host key algorithms to offer for the key types a host is recorded with, so the server
 * presents a key known_hosts can vouch for (OpenSSH orders its offer the same way).
 *
 * @example
 * ```ts
 * import { preferredHostKeyAlgorithms } from "./known_hosts.ts";
 * preferredHostKeyAlgorithms(["ssh-rsa"]); // ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
 * ```
 */
export function preferredHostKeyAlgorithms(types: string[]): string[] {
  return types.flatMap((type) =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]
  );
}

/**
 * Appends `name type base64` to a known_hosts file while holding an exclusive lock on it,
 * unless another process recorded the host meanwhile. Returns the lookup made under the lock:
 * `known` when it was (or already is) recorded; `changed`/`revoked` when another entry
 * appeared, in which case nothing is written.
 *
 * @example
 * ```ts
 * import { addKnownHost } from "./known_hosts.ts";
 * addKnownHost("/root/.ssh/known_hosts", "[10.0.0.5]:2222", key);
 * ```
 */
export function addKnownHost(file: string, name: string, key: HostKey): HostKeyLookup {
  Deno.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  using handle = Deno.openSync(file, { read: true, append: true, create: true, mode: 0o644 });
  handle.lockSync(true);
  try {
    const text = Deno.readTextFileSync(file);
    const current = lookupHostKey(parseKnownHosts(text, file), name, key);
    if (current.status !== "unknown") return current;
    const base64 = btoa(String.fromCharCode(...key.blob));
    const separator = text === "" || text.endsWith("\n") ? "" : "\n";
    const bytes = new TextEncoder().encode(`${separator}${name} ${key.type} ${base64}\n`);
    for (let written = 0; written < bytes.length;) {
      written += handle.writeSync(bytes.subarray(written));
    }
    const line = (text + separator).split("\n").length;
    return { status: "known", entry: { file, line, hosts: name, type: key.type, blob: key.blob } };
  } finally {
    handle.unlockSync();
  }
}

/** What {@link verifyHostKey} needs to know. */
export interface VerifyHostKeyOptions {
  host: string;
  port: number;
  key: HostKey;
  policy: HostKeyPolicy;
  /** Files to consult, in order. */
  files: string[];
  /** Their entries when the caller has read them already (one read per connection). */
  entries?: KnownHostsEntry[];
  /** Where `accept-new` records a new host; also named in the "how to trust it" hint. */
  writeFile?: string;
}

/**
 * Verifies a server's host key under a policy. Returns when the key may be used; otherwise
 * throws a `hostKey` HostkitError that says what is wrong and what to do about it.
 *
 * It is synchronous on purpose: ssh2 (1.17) can stall the handshake when an asynchronous
 * host verifier answers just as the server's NEWKEYS arrives.
 *
 * @example
 * ```ts
 * import { verifyHostKey } from "./known_hosts.ts";
 * verifyHostKey({
 *   host: "10.0.0.5", port: 22, key, policy: "strict",
 *   files: ["/root/.ssh/known_hosts"], writeFile: "/root/.ssh/known_hosts",
 * });
 * ```
 */
export function verifyHostKey(options: VerifyHostKeyOptions): "verified" | "unverified" {
  if (options.policy === "accept-any") return "unverified";
  const { host, port, key } = options;
  const name = knownHostName(host, port);
  let result = lookupHostKey(options.entries ?? readKnownHosts(options.files), name, key);
  // Trusted on first use: recorded, but nothing vouched for it (no secrets go to it).
  let verified: "verified" | "unverified" = "verified";
  if (result.status === "unknown" && options.policy === "accept-new" && options.writeFile) {
    result = addKnownHost(options.writeFile, name, key);
    verified = "unverified";
  }
  switch (result.status) {
    case "known":
      return verified;
    case "revoked":
      throw new HostkitError(
        "hostKey",
        `host key for ${name} is REVOKED: ${describeKey(key)} is marked @revoked at ` +
          `${result.entry.file}:${result.entry.line}; refusing to connect`,
      );
    case "changed":
      throw changedKeyError(name, key, result.entry);
    case "unknown":
      throw unknownHostError(options, name, result.knownTypes);
  }
}

function describeKey(key: HostKey): string {
  return `${keyTypeLabel(key.type)} key ${fingerprint(key.blob)}`;
}

function changedKeyError(name: string, key: HostKey, entry: KnownHostsEntry): HostkitError {
  return new HostkitError(
    "hostKey",
    [
      `HOST KEY CHANGED for ${name}: it now presents ${describeKey(key)},`,
      `but ${entry.file}:${entry.line} records ${describeKey(entry)}.`,
      `Someone may be intercepting the connection, or the host was reinstalled. Refusing to connect.`,
      `If the change is expected, remove the old entry, then trust the new key:`,
      `  ssh-keygen -R ${quote(name)} -f ${quote(entry.file)}`,
    ].join("\n"),
  );
}

function unknownHostError(
  options: VerifyHostKeyOptions,
  name: string,
  knownTypes: string[],
): HostkitError {
  const { host, port, key } = options;
  const file = options.writeFile ?? options.files[0] ?? "~/.ssh/known_hosts";
  const others = knownTypes.length
    ? ` (known_hosts has only ${knownTypes.map(keyTypeLabel).join(", ")} keys for it)`
    : "";
  return new HostkitError(
    "hostKey",
    [
      `unknown host key for ${name}: ${describeKey(key)}${others}`,
      `Check the fingerprint out of band, then trust the key with:`,
      `  ssh-keyscan -p ${port} -t ${keyscanType(key.type)} ${quote(host)} >> ${quote(file)}`,
      `or opt in to trust on first use: --accept-new-host-key (hostKeyPolicy "accept-new").`,
    ].join("\n"),
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
