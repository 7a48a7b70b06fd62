/**
 * Prints `N passed, N failed` from deno's JUnit reports, counting innermost test
 * cases (steps count, their parents do not). Exits 1 when a report is missing
 * or no test ran.
 *
 * @module
 */

/** Counts passed and failed innermost test cases of one JUnit XML report. */
export function countJunit(xml: string): { passed: number; failed: number; skipped: number } {
  const cases = [...xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)];
  const names = cases.map((c) => /name="([^"]*)"/.exec(c[1])?.[1] ?? "");
  let passed = 0, failed = 0, skipped = 0;
  cases.forEach((c, i) => {
    // deno reports a step as `parent > step`; a case that has steps is not innermost.
    const isParent = names.some((n, j) => j !== i && n.startsWith(`${names[i]} > `));
    if (isParent) return;
    const body = c[3] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  });
  return { passed, failed, skipped };
}

if (import.meta.main) {
  let passed = 0, failed = 0, skipped = 0, missing = false;
  for (const file of Deno.args) {
    try {
      const counts = countJunit(await Deno.readTextFile(file));
      passed += counts.passed;
      failed += counts.failed;
      skipped += counts.skipped;
    } catch {
      console.error(`no JUnit report at ${file}`);
      missing = true;
    }
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  if (missing || failed > 0 || passed === 0) Deno.exit(1);
}
