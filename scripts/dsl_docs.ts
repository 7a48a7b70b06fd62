/**
 * Generates docs/dsl.md, the DSL reference, from the JSDoc of src/dsl/mod.ts
 * (`deno doc --json`): every scope and its words with their parameters, every
 * options object with its keys, types and defaults, and the examples.
 *
 *   deno run -A scripts/dsl_docs.ts           # write docs/dsl.md
 *   deno run -A scripts/dsl_docs.ts --check   # exit 1 when docs/dsl.md is stale
 *
 * @module
 */
import { join } from "node:path";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
const OUT = join(ROOT, "docs", "dsl.md");

// deno-lint-ignore no-explicit-any
type Json = any;

/** Scopes in reading order, with the variable name configs give them. */
const SCOPES: [name: string, variable: string, title: string][] = [
  ["ProjectScope", "p", "The project: `project(name, (p) => …)`"],
  ["ResourceScope", "p / s", "Resources, in the project and in a service"],
  ["ServiceScope", "s", "A service: `p.service(name, (s) => …)`"],
  ["DaemonScope", "d", "A service unit: `s.daemon(name, (d) => …)`"],
  ["TimerScope", "t", "A timer: `s.schedule(name, (t) => …)`"],
  ["EnvFileScope", "e", "An env file: `s.envFile(path, (e) => …)`"],
  ["HostScope", "h", "A host: `p.host(name, (h) => …)`"],
];

async function docJson(): Promise<Json[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", join(ROOT, "src/dsl/mod.ts")],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error("deno doc failed");
  const json = JSON.parse(new TextDecoder().decode(output.stdout));
  return Object.values(json.nodes as Record<string, { symbols: Json[] }>)[0].symbols;
}

/** A TypeScript type from deno doc's JSON, as a reader would write it. */
function typeText(t: Json): string {
  if (!t) return "unknown";
  switch (t.kind) {
    case "keyword":
      return t.value;
    case "literal":
      return t.value.kind === "string"
        ? JSON.stringify(t.value.string)
        : String(t.repr ?? t.value.value ?? t.value.number ?? t.value.boolean);
    case "typeRef": {
      const args = t.value.typeParams?.length
        ? `<${t.value.typeParams.map(typeText).join(", ")}>`
        : "";
      return `${t.value.typeName}${args}`;
    }
    case "union":
      return t.value.map(typeText).join(" | ");
    case "intersection":
      return t.value.map(typeText).join(" & ");
    case "array":
      return `${wrap(t.value)}[]`;
    case "tuple":
      return `[${t.value.map(typeText).join(", ")}]`;
    case "parenthesized":
      return `(${typeText(t.value)})`;
    case "fnOrConstructor":
      return `(${t.value.params.map(paramText).join(", ")}) => ${typeText(t.value.tsType)}`;
    case "typeLiteral": {
      const members = [
        ...(t.value.properties ?? []).map((p: Json) =>
          `${p.name}${p.optional ? "?" : ""}: ${typeText(p.tsType)}`
        ),
        ...(t.value.methods ?? []).map((m: Json) =>
          `${m.name}(${m.params.map(paramText).join(", ")}): ${typeText(m.returnType)}`
        ),
      ];
      return `{ ${members.join("; ")} }`;
    }
    case "typeOperator":
      return `${t.value.operator} ${typeText(t.value.tsType)}`;
    case "indexedAccess":
      return `${typeText(t.value.objType)}[${typeText(t.value.indexType)}]`;
    default:
      return t.repr || "unknown";
  }
}

function wrap(t: Json): string {
  const text = typeText(t);
  return t.kind === "union" || t.kind === "fnOrConstructor" ? `(${text})` : text;
}

function paramText(p: Json): string {
  if (p.kind === "rest") return `...${p.arg?.name ?? "args"}: ${typeText(p.tsType)}`;
  if (p.kind === "assign") return `${paramText(p.left)} = ${p.right}`;
  return `${p.name}${p.optional ? "?" : ""}: ${typeText(p.tsType)}`;
}

/** A word's call signature, without the `...extra: never[]` guard against extra arguments. */
function signature(variable: string, name: string, params: Json[]): string {
  const shown = params.filter((p) => !(p.kind === "rest" && typeText(p.tsType) === "never[]"));
  return `${variable}.${name}(${shown.map(paramText).join(", ")})`;
}

function docOf(node: Json): { text: string; examples: string[]; deprecated?: string } {
  const js = node.jsDoc ?? {};
  const tags = js.tags ?? [];
  return {
    text: (js.doc ?? "").trim().replace(/\{@link ([^}]+)\}/g, "`$1`"),
    examples: tags.filter((t: Json) => t.kind === "example").map((t: Json) => t.doc.trim()),
  };
}

function isInternal(node: Json): boolean {
  return (node.jsDoc?.doc ?? "").startsWith("@internal") ||
    (node.jsDoc?.tags ?? []).some((t: Json) => t.kind === "internal");
}

/** The option interfaces a parameter list refers to, by name. */
function optionTypes(params: Json[], interfaces: Map<string, Json>): string[] {
  const names: string[] = [];
  const visit = (t: Json) => {
    if (!t) return;
    if (t.kind === "typeRef" && interfaces.has(t.value.typeName)) names.push(t.value.typeName);
    if (t.kind === "union" || t.kind === "intersection" || t.kind === "tuple") {
      t.value.forEach(visit);
    }
  };
  for (const p of params) visit(p.kind === "assign" ? p.left.tsType : p.tsType);
  return [...new Set(names)];
}

function optionsTable(name: string, iface: Json, interfaces: Map<string, Json>): string[] {
  const properties: Json[] = [];
  const collect = (i: Json) => {
    for (const parent of i.def.extends ?? []) {
      const base = interfaces.get(parent.value?.typeName ?? parent.repr);
      if (base) collect(base);
    }
    properties.push(...(i.def.properties ?? []));
    for (const m of i.def.methods ?? []) {
      properties.push({
        ...m,
        name: `${m.name}(${m.params.map(paramText).join(", ")})`,
        optional: true,
        tsType: m.returnType,
      });
    }
  };
  collect(iface);
  const out = [`Options (\`${name}\`):`, "", "| key | type | meaning |", "| --- | --- | --- |"];
  for (const p of properties) {
    const meaning = docOf(p).text.replace(/\n+/g, " ") || "—";
    out.push(
      `| \`${p.name}\`${p.optional ? "" : " (required)"} | \`${
        typeText(p.tsType).replaceAll("|", "\\|")
      }\` | ${meaning.replaceAll("|", "\\|")} |`,
    );
  }
  return [...out, ""];
}

/** The reference, as markdown. */
export function render(symbols: Json[]): string {
  const byName = new Map<string, Json>();
  const overloads = new Map<string, Json[]>();
  for (const s of symbols) {
    byName.set(s.name, s.declarations.at(-1));
    // An overloaded function: its signatures, not the implementation.
    const signatures = s.declarations.filter((d: Json) => d.kind === "function" && !d.def.hasBody);
    overloads.set(s.name, signatures.length ? signatures : s.declarations);
  }
  const interfaces = new Map([...byName].filter(([, d]) => d.kind === "interface"));
  const out: string[] = [
    "# The hostkit DSL",
    "",
    "<!-- Generated by `deno task docs` from the JSDoc of src/dsl/mod.ts; do not edit. -->",
    "",
    "A config is a TypeScript module whose default export is `project(name, body)`.",
    "Every word below checks its arguments when the config loads: an unknown option or",
    "an extra argument is an error naming the config's `file:line`, the word, the key and",
    'the nearest known key (`run: unknown option "tpye" (did you mean "type"?)`), and',
    "values systemd would reject later (`Type=`, `Restart=`, time spans, calendar",
    "expressions, directive names) are refused the same way.",
    "",
    "## Contents",
    "",
    ...SCOPES.map(([name, , title]) => `- [${title.replace(/`/g, "")}](#${anchor(name)})`),
    "- [Functions](#functions)",
    "- [Option types](#option-types)",
    "",
  ];
  for (const [name, variable, title] of SCOPES) {
    const cls = byName.get(name);
    if (!cls) continue;
    out.push(`## ${name}`, "", `${title}.`, "");
    const { text, examples } = docOf(cls);
    if (text) out.push(text, "");
    for (const example of examples) out.push(example, "");
    if (cls.def.extends) {
      out.push(`Also every word of [${cls.def.extends}](#${anchor(cls.def.extends)}).`, "");
    }
    for (const method of cls.def.methods) {
      if (
        method.accessibility === "private" || method.accessibility === "protected" ||
        isInternal(method)
      ) continue;
      const params = method.functionDef.params;
      out.push(`### \`${signature(variable.split(" ")[0], method.name, params)}\``, "");
      const doc = docOf(method);
      if (doc.text) out.push(doc.text, "");
      for (const option of optionTypes(params, interfaces)) {
        out.push(...optionsTable(option, interfaces.get(option), interfaces));
      }
      for (const example of doc.examples) out.push(example, "");
    }
  }
  out.push("## Functions", "");
  for (const [name, decl] of byName) {
    if (decl.kind !== "function" || isInternal(decl)) continue;
    const signatures = overloads.get(name)!;
    const params = signatures.flatMap((d: Json) => d.def.params);
    for (const d of signatures) {
      out.push(`### \`${name}(${d.def.params.map(paramText).join(", ")})\``, "");
    }
    const doc = docOf(signatures.find((d: Json) => d.jsDoc) ?? decl);
    if (doc.text) out.push(doc.text, "");
    for (const option of optionTypes(params, interfaces)) {
      out.push(...optionsTable(option, interfaces.get(option), interfaces));
    }
    for (const example of doc.examples) out.push(example, "");
  }
  out.push("## Option types", "");
  for (const [name, decl] of byName) {
    if (decl.kind === "interface") {
      out.push(`### ${name}`, "");
      const doc = docOf(decl);
      if (doc.text) out.push(doc.text, "");
      out.push(...optionsTable(name, decl, interfaces).slice(2));
    } else if (decl.kind === "typeAlias") {
      out.push(`### ${name}`, "");
      const doc = docOf(decl);
      if (doc.text) out.push(doc.text, "");
      out.push("```ts", `type ${name} = ${typeText(decl.def.tsType)};`, "```", "");
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

if (import.meta.main) {
  // deno fmt may need a second pass over generated markdown to reach its fixed point.
  let text = render(await docJson());
  for (let pass = 0; pass < 3; pass++) {
    const next = await formatted(text);
    if (next === text) break;
    text = next;
  }
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(OUT).catch(() => "");
    if (current !== text) {
      console.error("docs/dsl.md is out of date: run `deno task docs` and commit it.");
      Deno.exit(1);
    }
  } else {
    await Deno.mkdir(join(ROOT, "docs"), { recursive: true });
    await Deno.writeTextFile(OUT, text);
    console.log(`wrote ${OUT}`);
  }
}

/** The markdown as `deno fmt` would write it, so the check and `deno fmt --check` agree. */
async function formatted(markdown: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--config", join(ROOT, "deno.json"), "--ext", "md", "-"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const output = await child.output();
  if (!output.success) throw new Error("deno fmt failed on the generated markdown");
  return new TextDecoder().decode(output.stdout);
}
