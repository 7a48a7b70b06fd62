/** A plan's text has one line or more per change, however many changes there are. */
import assert from "node:assert/strict";
import { formatPlan } from "../../src/plan/format.ts";
import { change, MISSING, textAfter, upPlan } from "../apply/fixtures.ts";

Deno.test("a plan of 200,000 new files formats (no argument-count limit on its lines)", () => {
  const count = 200_000;
  const changes = Array.from({ length: count }, (_, i) =>
    change(
      { kind: "file", path: `/srv/many/f${i}.txt`, content: { text: `${i}\n` } },
      "create",
      "missing",
      { before: MISSING, after: textAfter(`${i}\n`) },
    ));
  const text = formatPlan(upPlan(changes), { color: false });
  assert.ok(text.includes("/srv/many/f0.txt"), "the first file is listed");
  assert.ok(text.includes(`/srv/many/f${count - 1}.txt`), "the last file is listed");
  assert.ok(text.split("\n").length > count, "a line per change at least");
});
