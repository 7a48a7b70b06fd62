/**
 * SSH user authentication: which credentials hostkit offers, in which order (identity files,
 * then password, then ssh-agent), and an error that lists what was tried when the server
 * accepted none of them. Secret values never appear in messages.
 *
 * @module
 */
import { Buffer } from "node:buffer";
// @ts-types="@types/ssh2"
import {
  type AnyAuthMethod,
  type AuthenticationType,
  type AuthHandlerMiddleware,
  BaseAgent,
  createAgent,
  type IdentityCallback,
  type ParsedKey,
  type Prompt,
  type SignCallback,
  type SigningRequestOptions,
  utils,
} from "ssh2";
import { HostkitError } from "../errors.ts";
import { expandHome, type SshOptions } from "./options.ts";

/** OpenSSH's default identity files, tried when no identity file is configured. */
const DEFAULT_IDENTITY_FILES = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"];

/** A private key ready to sign with. */
export interface Identity {
  /** The file it was read from, for messages. */
  path: string;
  key: ParsedKey;
}

/** Everything hostkit can offer the server to log in, loaded before connecting. */
export interface Credentials {
  user: string;
  identities: Identity[];
  /** Default identity files that exist but could not be used, and why. */
  skipped: string[];
  password?: string;
  /** ssh-agent socket path. */
  agent?: string;
}

/** The options {@link loadCredentials} reads. */
export type CredentialOptions = Pick<
  SshOptions,
  "user" | "identityFile" | "identityPassphrase" | "password" | "agent"
>;

/**
 * Reads and decrypts identity files and picks the agent socket. An explicitly configured
 * identity file that cannot be used is an `input` error; unusable default files are skipped
 * (and listed if authentication fails later).
 *
 * @example
 * ```ts
 * import { loadCredentials } from "./ssh_auth.ts";
 * const credentials = await loadCredentials({ user: "root", identityFile: "~/.ssh/id_ed25519" });
 * ```
 */
// deno-lint-ignore require-await -- async so that an unusable identity file rejects, not throws
export async function loadCredentials(options: CredentialOptions): Promise<Credentials> {
  const identities: Identity[] = [];
  const skipped: string[] = [];
  if (options.identityFile !== undefined) {
    const path = expandHome(options.identityFile);
    const loaded = loadIdentity(path, options.identityPassphrase);
    if (typeof loaded === "string") {
      throw new HostkitError("input", `cannot use identity file ${path}: ${loaded}`);
    }
    identities.push(loaded);
  } else {
    for (const file of DEFAULT_IDENTITY_FILES) {
      const path = expandHome(file);
      const loaded = loadIdentity(path, options.identityPassphrase);
      if (typeof loaded !== "string") identities.push(loaded);
      else if (loaded !== NOT_FOUND) skipped.push(`${path} (${loaded})`);
    }
  }
  const agent = options.agent === false
    ? undefined
    : options.agent ?? (Deno.env.get("SSH_AUTH_SOCK") || undefined);
  return { user: options.user, identities, skipped, password: options.password, agent };
}

const NOT_FOUND = "the file does not exist";

/**
 * Loads one private key, or says in a few words why it cannot be used. Read synchronously (a
 * key is a few hundred bytes): the handshake then starts in the same turn as the connection is
 * asked for, before whatever the caller loads next can take the thread.
 */
function loadIdentity(path: string, passphrase?: string): Identity | string {
  let data: Uint8Array;
  try {
    data = Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return NOT_FOUND;
    return error instanceof Error ? error.message : String(error);
  }
  const parsed = utils.parseKey(Buffer.from(data), passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error) {
    if (/no passphrase/i.test(key.message)) {
      return "it is encrypted and no passphrase was given (identityPassphrase)";
    }
    if (passphrase !== undefined && /decrypt|passphrase|integrity/i.test(key.message)) {
      return "the passphrase does not decrypt it";
    }
    return `not a usable private key (${key.message})`;
  }
  if (!key.isPrivateKey()) return "it holds a public key; give the private key file";
  return { path, key };
}

/** An agent that remembers how many keys it offered, or why it could not be asked. */
class ObservedAgent extends BaseAgent {
  readonly socket: string;
  keyCount?: number;
  failure?: string;
  #agent: BaseAgent;

  constructor(socket: string) {
    super();
    this.socket = socket;
    this.#agent = createAgent(socket);
  }

  getIdentities(callback: IdentityCallback): void {
    this.#agent.getIdentities((error, keys) => {
      if (error) this.failure = error.message;
      else this.keyCount = keys?.length ?? 0;
      callback(error, keys);
    });
  }

  sign(
    key: ParsedKey | Buffer | string,
    data: Buffer,
    options: SigningRequestOptions | SignCallback,
    callback?: SignCallback,
  ): void {
    if (typeof options === "function") this.#agent.sign(key, data, options);
    else this.#agent.sign(key, data, options, callback);
  }

  describe(): string {
    if (this.failure !== undefined) return `agent ${this.socket} (unusable: ${this.failure})`;
    if (this.keyCount === undefined) return `agent ${this.socket}`;
    return `agent ${this.socket} (${this.keyCount} key${this.keyCount === 1 ? "" : "s"})`;
  }
}

interface Offer {
  /** The SSH method the server must allow for this offer. */
  method: AuthenticationType;
  describe: () => string;
  make: (methodsLeft: string[]) => AnyAuthMethod;
}

/**
 * One authentication conversation: an ssh2 `authHandler` that offers the credentials in
 * order, skipping methods the server does not allow, and remembers what it offered.
 */
export class AuthSession {
  /** Methods the server said it accepts, once known. */
  serverMethods?: string[];
  /** True once every offer was made and refused. */
  exhausted = false;
  /**
   * Set by the host verifier (key exchange comes before authentication): a
   * password is offered only to a host whose key known_hosts vouches for.
   */
  hostKeyVerified = false;
  /** True when a password was held back because the host key was not verified. */
  passwordWithheld = false;
  #credentials: Credentials;
  #offers: Offer[];
  #made: Offer[] = [];

  constructor(credentials: Credentials) {
    this.#credentials = credentials;
    const user = credentials.user;
    this.#offers = credentials.identities.map((identity): Offer => ({
      method: "publickey",
      describe: () => `publickey ${identity.path}`,
      make: () => ({ type: "publickey", username: user, key: identity.key }),
    }));
    const password = credentials.password;
    if (password !== undefined) {
      this.#offers.push({
        // Servers that only do keyboard-interactive (PAM) still accept the password there.
        method: "password",
        describe: () => "password",
        make: (methodsLeft) =>
          methodsLeft.includes("password")
            ? { type: "password", username: user, password }
            : { type: "keyboard-interactive", username: user, prompt: answerWith(password) },
      });
    }
    if (credentials.agent !== undefined) {
      const agent = new ObservedAgent(credentials.agent);
      this.#offers.push({
        method: "publickey",
        describe: () => agent.describe(),
        make: () => ({ type: "agent", username: user, agent }),
      });
    }
  }

  /** Offers made so far, described without secrets (the agent's with its key count). */
  get tried(): string[] {
    return this.#made.map((offer) => offer.describe());
  }

  /** Pass as ssh2's `authHandler`. */
  readonly handler: AuthHandlerMiddleware = (methodsLeft, _partialSuccess, next) => {
    // The first round asks with "none": the server's refusal lists the methods it allows.
    if (methodsLeft === null) return next({ type: "none", username: this.#credentials.user });
    this.serverMethods = methodsLeft;
    while (this.#offers.length > 0) {
      const offer = this.#offers.shift()!;
      const allowed = offer.method === "password"
        ? methodsLeft.includes("password") || methodsLeft.includes("keyboard-interactive")
        : methodsLeft.includes(offer.method);
      if (!allowed) continue;
      if (offer.method === "password" && !this.hostKeyVerified) {
        this.passwordWithheld = true;
        continue;
      }
      this.#made.push(offer);
      return next(offer.make(methodsLeft));
    }
    this.exhausted = true;
    // ssh2 takes `false` for "nothing left to try"; its type definitions omit that case.
    (next as unknown as (auth: false) => void)(false);
  };

  /**
   * The `auth` error for a server that accepted none of the offers.
   *
   * @example
   * ```ts
   * import { AuthSession } from "./ssh_auth.ts";
   *
   * const session = new AuthSession({ user: "root", identities: [], skipped: [], password: "…" });
   * // ... after ssh2 reports "All configured authentication methods failed":
   * throw session.error("ssh root@10.0.0.5:22");
   * ```
   */
  error(target: string): HostkitError {
    const tried = this.tried;
    const lines = [
      tried.length > 0
        ? `authentication failed for ${target}: the server accepted none of: ${tried.join(", ")}`
        : `authentication failed for ${target}: hostkit had no credentials the server allows`,
    ];
    if (this.serverMethods) lines.push(`The server allows: ${this.serverMethods.join(", ")}.`);
    const c = this.#credentials;
    if (c.identities.length === 0 && c.password === undefined && c.agent === undefined) {
      lines.push(
        "No credentials were configured: give an identity file, a password, or run ssh-agent " +
          "(SSH_AUTH_SOCK).",
      );
    }
    for (const skipped of c.skipped) lines.push(`Skipped identity file ${skipped}.`);
    if (this.passwordWithheld) {
      lines.push(
        "The password was not sent: the host key is not in known_hosts (it was accepted by " +
          "accept-new or accept-any). Add the key to known_hosts first.",
      );
      return new HostkitError("hostKey", lines.join("\n"));
    }
    return new HostkitError("auth", lines.join("\n"));
  }
}

/** Answers keyboard-interactive password prompts (PAM's "Password: ") with the password. */
function answerWith(password: string) {
  return (
    _name: string,
    _instructions: string,
    _lang: string,
    prompts: Prompt[],
    finish: (answers: string[]) => void,
  ) => finish(prompts.map((p) => (/password/i.test(p.prompt) ? password : "")));
}
