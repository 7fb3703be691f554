// Loads the BUILT package with plain `node` (outside vitest, which resolves modules its own way)
// and exercises the public entry points once. Run by `npm test` after vitest.
import assert from "node:assert/strict";
import { createSampler, Coordinator, Op, mergeMatrices } from "keyviz";
import { MemoryGroup } from "keyviz/testing";
import { createServer } from "keyviz/server";

const enc = (s) => new TextEncoder().encode(s);
let now = 1_000;
const sampler = createSampler({ stepMs: 1000, now: () => now, keyBucketsPerRoute: 4 });
const routes = [
  { routeId: 1, start: null, end: enc("m"), groupId: 1 },
  { routeId: 2, start: enc("m"), end: null, groupId: 2 },
];
const groups = new Map([
  [1, new MemoryGroup({ groupId: 1 })],
  [2, new MemoryGroup({ groupId: 2 })],
]);
const c = new Coordinator({ routes, groups, sampler });
await c.dispatch([
  { type: "put", key: enc("apple"), value: enc("1") },
  { type: "put", key: enc("zebra"), value: enc("22") },
]);
assert.deepEqual(await c.leaseReadForKey(enc("apple")), enc("1"));
sampler.observe(2, Op.Read, 3);
now += 1000;
sampler.flush();
const m = sampler.matrix({ series: "writes" });
assert.equal(m.column_unix_ms.length, 1);
assert.equal(
  m.rows.reduce((a, r) => a + r.values[0], 0),
  2,
);
assert.equal(mergeMatrices([m, m]).rows.length, m.rows.length);

const server = createServer({ sampler, port: 0 });
const { host, port } = await server.listen();
const res = await fetch(`http://${host}:${port}/admin/api/v1/keyviz/matrix?series=reads`);
assert.equal(res.status, 200);
const body = await res.json();
assert.equal(body.series, "reads");
await server.close();
c.close();
console.log("smoke: 1 passed, 0 failed");
