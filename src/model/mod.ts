/**
 * The data model: zod schemas and types for everything that crosses a boundary.
 *
 * @module
 */
export * from "./address.ts";
export * from "./mode.ts";
export * from "./project.ts";
export * from "./resource.ts";
export * from "./secret.ts";
export * from "./systemd.ts";
