import assert from "node:assert/strict";
import { formatMode, MODE_ALIASES, type ModeInput, normalizeMode } from "../../src/model/mode.ts";

// Pinned in shared/reference/semantics.md.
const ALIASES: Record<string, number> = {
  public_file: 0o644,
  private_file: 0o600,
  secret_file: 0o600,
  secret_group_file: 0o640,
  secret_group_readable: 0o640,
  executable: 0o755,
  public_dir: 0o755,
  private_dir: 0o750,
  config_dir: 0o750,
  shared_dir: 0o2775,
  public_web_dir: 0o755,
  shared_web_dir: 0o2775,
};

Deno.test("every mode alias has the value semantics.md pins", () => {
  for (const [alias, mode] of Object.entries(ALIASES)) {
    assert.equal(normalizeMode(alias), mode, alias);
  }
  assert.deepEqual(Object.keys(MODE_ALIASES).sort(), Object.keys(ALIASES).sort());
});

Deno.test("numbers pass through; octal strings are read as octal", () => {
  assert.equal(normalizeMode(0o640), 0o640);
  assert.equal(normalizeMode(0), 0);
  assert.equal(normalizeMode(0o7777), 0o7777);
  assert.equal(normalizeMode("0640"), 0o640);
  assert.equal(normalizeMode("755"), 0o755);
  assert.equal(normalizeMode("2775"), 0o2775);
});

Deno.test("numbers out of range or not integers are refused, naming the value", () => {
  for (const bad of [-1, 0o10000, 1.5, NaN]) {
    assert.throws(() => normalizeMode(bad), (e: Error) => e.message.includes(String(bad)));
  }
});

Deno.test("triplets: owner, group, other classes", () => {
  const cases: [ModeInput, number][] = [
    [["rw", "r", null], 0o640],
    [["rwx", "rx", "rx"], 0o755],
    [["rw", null, null], 0o600],
    [["read", "none", "none"], 0o400],
    [["write", "execute", "wx"], 0o213],
    [["r", "w", "x"], 0o421],
    [[null, null, null], 0],
  ];
  for (const [input, mode] of cases) {
    assert.equal(normalizeMode(input), mode, JSON.stringify(input));
  }
});

Deno.test("objects: missing or null classes mean no bits", () => {
  assert.equal(normalizeMode({ owner: "rw", group: "r" }), 0o640);
  assert.equal(normalizeMode({ owner: "rwx", group: "rx", other: "rx" }), 0o755);
  assert.equal(normalizeMode({ other: "rwx" }), 0o007);
  assert.equal(normalizeMode({ owner: null }), 0);
  assert.equal(normalizeMode({}), 0);
});

Deno.test("capability lists are OR-ed together", () => {
  assert.equal(normalizeMode(["setgid", "owner_rwx", "group_rwx", "other_rx"]), 0o2775);
  assert.equal(normalizeMode(["setuid", "owner_rwx", "group_rx", "other_rx"]), 0o4755);
  assert.equal(normalizeMode(["sticky", "owner_rwx", "group_rwx", "other_rwx"]), 0o1777);
  assert.equal(normalizeMode(["owner_r", "owner_w"]), 0o600);
  assert.equal(normalizeMode(["owner_rw", "owner_rw", "group_r"]), 0o640);
  assert.equal(normalizeMode(["owner_read", "group_execute"]), 0o410);
  assert.equal(normalizeMode([]), 0);
});

Deno.test("unknown names are errors naming the value", () => {
  const cases: [ModeInput, RegExp][] = [
    ["secret", /"secret"/],
    ["0999", /"0999"/],
    [["owner_q"], /"owner_q"/],
    [["root_rwx"], /"root_rwx"/],
    [["setgid", "owner_rwx", "everyone_r"], /"everyone_r"/],
    [{ owner: "rwz" } as unknown as ModeInput, /"rwz".*owner/],
    [{ world: "r" } as unknown as ModeInput, /"world"/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => normalizeMode(input), TypeError, JSON.stringify(input));
    assert.throws(() => normalizeMode(input), message, JSON.stringify(input));
  }
});

Deno.test("an unknown mode alias lists the known ones", () => {
  assert.throws(() => normalizeMode("privat_dir"), /known: .*private_dir/);
});

Deno.test("a triplet with one bad class names that class, not another element", () => {
  assert.throws(
    () => normalizeMode(["rw", "r", "q"] as unknown as ModeInput),
    /unknown permission class "q" for other/,
  );
  assert.throws(
    () => normalizeMode(["rwz", null, null] as unknown as ModeInput),
    /"rwz" for owner/,
  );
  assert.equal(normalizeMode(["setgid", "owner_rwx", "group_rx"]), 0o2750);
  assert.throws(() => normalizeMode(["sticky", "owner_rw", "rw"]), /capability "rw"/);
});

Deno.test("formatMode prints four octal digits", () => {
  assert.equal(formatMode(0o640), "0640");
  assert.equal(formatMode(0o2775), "2775");
  assert.equal(formatMode(0), "0000");
});
