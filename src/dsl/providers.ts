/**
 * Providers inside the DSL: `p.provider(name, (c) => c.set(key, value))`
 * settings, and the words each enabled provider adds to service scopes. What a
 * word emits is recorded like any declaration, tagged with the provider.
 *
 * @module
 */
import type { Draft } from "./draft.ts";
import { nearest, wordError } from "./options.ts";
import { callerOrigin } from "./origin.ts";
import type { Provider, ProviderEmit } from "../providers/define.ts";
import { z } from "zod";
import { resourceId, ResourceSchema } from "../model/resource.ts";

const emittedIds = new WeakMap<Draft, Set<string>>();

/** Ids providers already declared in this project. */
function emitted(draft: Draft): Set<string> {
  let ids = emittedIds.get(draft);
  if (!ids) emittedIds.set(draft, ids = new Set());
  return ids;
}

/** What `p.provider(name, (c) => …)` receives. */
export interface ProviderSettingsScope {
  /** Overrides one of the provider's settings; unknown keys are errors. */
  set(key: string, value: unknown): void;
}

/** Enables providers on a draft (names must be unique). */
export function enableProviders(draft: Draft, providers: readonly Provider[]): void {
  for (const provider of providers) {
    if (!provider || typeof provider.words !== "function") {
      throw wordError("project", "providers must be made with defineProvider(...)");
    }
    if (draft.enabled.some((e) => e.provider.name === provider.name)) {
      throw wordError("project", `provider ${provider.name} is enabled twice`);
    }
    draft.enabled.push({ provider, settings: { ...provider.settings } });
  }
}

/** `p.provider(name, body)`: the enabled provider's settings. */
export function providerSettings(draft: Draft, name: string): ProviderSettingsScope {
  const enabled = draft.enabled.find((e) => e.provider.name === name);
  if (!enabled) {
    const known = draft.enabled.map((e) => e.provider.name);
    const near = nearest(name, known);
    throw wordError(
      "provider",
      `provider ${JSON.stringify(name)} is not enabled (${
        near ? `did you mean ${JSON.stringify(near)}? ` : ""
      }enabled: ${known.join(", ") || "none"}; pass it in project(name, { providers: [...] }, …))`,
    );
  }
  return {
    set(key, value) {
      if (!(key in enabled.provider.settings)) {
        const known = Object.keys(enabled.provider.settings);
        const near = nearest(key, known);
        throw wordError(
          `provider ${name}`,
          `no setting ${JSON.stringify(key)} (${
            near ? `did you mean ${JSON.stringify(near)}? ` : ""
          }settings: ${known.join(", ")})`,
        );
      }
      enabled.settings[key] = value;
    },
  };
}

/** The words of every enabled provider, bound to one service. */
export function providerWords(
  draft: Draft,
  service: { name: string; listener(name: string): string },
): Record<string, unknown> {
  const words: Record<string, unknown> = {};
  for (const { provider, settings } of draft.enabled) {
    const tag = { name: provider.name, version: provider.version };
    const add = (resource: Record<string, unknown>, intent?: Record<string, string>): string => {
      const declared = {
        ...resource,
        service: service.name,
        provider: intent ? { ...tag, intent } : tag,
        origin: callerOrigin(),
      };
      const parsed = ResourceSchema.safeParse(declared);
      if (!parsed.success) {
        throw wordError(
          `provider ${provider.name}`,
          `declared an invalid ${resource.kind}: ${
            z.prettifyError(parsed.error).replace(/^✖ /, "")
          }`,
        );
      }
      const id = resourceId(parsed.data);
      // Shared pieces (a main config's import line) are declared once, by the first word.
      const seen = emitted(draft);
      if (!seen.has(id)) {
        seen.add(id);
        draft.resources.push(declared);
      }
      return id;
    };
    const emit: ProviderEmit = {
      file: (path, { content, intent, ...options }) =>
        add({ kind: "file", path, content: { text: content }, ...options }, intent),
      line: (path, line, options = {}) => add({ kind: "managed_line", path, line, ...options }),
      command: (name, options) => add({ kind: "command", name, ...options }),
      package: (name, options = {}) => add({ kind: "package", name, ...options }),
    };
    const provided = provider.words({
      get settings() {
        return settings;
      },
      service,
      emit,
    });
    for (const [word, fn] of Object.entries(provided)) {
      if (word in words) throw wordError("project", `two providers define the word ${word}`);
      words[word] = fn;
    }
  }
  return words;
}
