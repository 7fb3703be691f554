// A worker routes observeKey to sub-buckets in JS from the edges the owner publishes; the owner
// routes with its own index (sub-bucket-index.ts). Property: for any route and key, both pick the
// same sub-bucket.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attachSampler, createSampler } from "../../../src/index.js";
import { subBucketBounds, subrangeLayout } from "../../../src/keys/subrange.js";

const bytes = fc.uint8Array({ minLength: 0, maxLength: 12 });
// Keys near a common prefix, so prefix sides, windows and edges all get exercised.
const keyish = fc
  .tuple(fc.constantFrom(0, 1, 2, 3), bytes)
  .map(([p, b]) => Uint8Array.from([...[7, 7, 7].slice(0, p), ...b]));

describe("shared sampler: worker sub-bucket routing", () => {
  it("matches the owner's index for every key", () => {
    fc.assert(
      fc.property(
        keyish,
        keyish,
        fc.integer({ min: 2, max: 16 }),
        fc.array(keyish, { minLength: 1, maxLength: 8 }),
        (a, b, k, keys) => {
          const order = Buffer.compare(a, b);
          if (order === 0 || a.length === 0 || b.length === 0) return;
          const [start, end] = order < 0 ? [a, b] : [b, a];
          let now = 1000;
          const s = createSampler({
            shared: { routeIdLimit: 16, maxWorkers: 1 },
            keyBucketsPerRoute: k,
            maxTrackedRoutes: 2,
            now: () => now,
          });
          s.registerRoute(1, start, end);
          const o = attachSampler(s.workerHandle());
          // Every sub-bucket's first key too: the edges themselves, where an off-by-one would show.
          const edges = subBucketBounds(start, end, subrangeLayout(start, end, k)).flatMap((x) =>
            x.start === null ? [] : [x.start],
          );
          for (const key of [...keys, ...edges]) {
            s.observeKey(1, 0, key); // owner: a read
            o.observeKey(1, 1, key); // worker: a write
            now += 1000;
            s.flush();
            const rows = s.snapshot().at(-1)!.rows;
            expect(rows.map((r) => [r.subBucket, r.reads, r.writes])).toEqual([[rows[0]!.subBucket, 1, 1]]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
