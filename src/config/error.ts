/**
 * The error every config loading failure becomes: it names the user's file
 * and line and exits with the config exit code.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";

/** A config could not be loaded. `origin` is `file:line` when known. */
export class ConfigError extends HostkitError {
  /** The message, prefixed with `origin` (`file:line`) when it is known. */
  constructor(message: string, readonly origin?: string) {
    super("config", origin ? `${origin}: ${message}` : message);
    this.name = "ConfigError";
  }
}
