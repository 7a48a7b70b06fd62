import assert from "node:assert/strict";
import { Limiter } from "../../src/transport/limiter.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("Limiter: hands out at most `limit` slots, then serves waiters in order", async () => {
  const limiter = new Limiter(2);
  const a = await limiter.acquire();
  const b = await limiter.acquire();
  const order: string[] = [];
  const c = limiter.acquire().then((release) => (order.push("c"), release));
  const d = limiter.acquire().then((release) => (order.push("d"), release));
  await tick();
  assert.deepEqual(order, []);
  assert.equal(limiter.active, 2);
  a();
  a(); // a second call must not free another slot
  await tick();
  assert.deepEqual(order, ["c"]);
  b();
  await tick();
  assert.deepEqual(order, ["c", "d"]);
  (await c)();
  (await d)();
  assert.equal(limiter.active, 0);
});

Deno.test("Limiter: an aborted waiter leaves the queue with the signal's reason", async () => {
  const limiter = new Limiter(1);
  const release = await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  release();
  assert.equal(limiter.active, 0);
  await assert.rejects(limiter.acquire(AbortSignal.abort(new Error("early"))), /early/);
});

Deno.test("Limiter: close rejects waiters and later requests", async () => {
  const limiter = new Limiter(1);
  await limiter.acquire();
  const waiting = limiter.acquire();
  limiter.close(new Error("connection dropped"));
  await assert.rejects(waiting, /connection dropped/);
  await assert.rejects(limiter.acquire(), /connection dropped/);
});

Deno.test("Limiter: lower() shrinks the limit, never below one", async () => {
  const limiter = new Limiter(3);
  limiter.lower(1);
  assert.equal(limiter.limit, 1);
  limiter.lower(0);
  assert.equal(limiter.limit, 1);
  limiter.lower(5);
  assert.equal(limiter.limit, 1, "lower never raises");
  const release = await limiter.acquire();
  let second = false;
  limiter.acquire().then(() => second = true);
  await tick();
  assert.equal(second, false);
  release();
  await tick();
  assert.equal(second, true);
  assert.throws(() => new Limiter(0), RangeError);
});
