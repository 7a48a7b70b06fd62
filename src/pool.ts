/**
 * Bounded concurrency: how hostkit works on many hosts at once (`--parallel`).
 *
 * @module
 */

/**
 * Runs `work` on every item with at most `limit` running at once; results keep
 * the items' order.
 *
 * @example
 * ```ts
 * import { pool } from "./pool.ts";
 * const sizes = await pool(["a", "b", "c"], 2, async (name) => name.length);
 * ```
 */
export async function pool<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  });
  await Promise.all(runners);
  return results;
}
