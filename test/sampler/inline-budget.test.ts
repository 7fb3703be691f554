// Sampler.observeKey inlines SubBucketIndex.subBucket, and a caller's loop inlines both, only
// while V8's bytecode budget holds them: 460 bytes per function, and 920 for everything one
// function inlines, where a callee with optimized code of its own counts with what that code
// inlined, times 1.2 (src/sampler/sampler.ts, observeKey). Left a call, observeKey at K = 16 is
// ~1.14× slower (alternating A/B), and nothing else would say so: this reads the sizes from
// V8 itself, on the built package.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const dist = new URL("../../dist/index.js", import.meta.url).href;

// Only the unlabelled fast path runs, so Counters.observeKey (the same name) is never compiled.
// Route 2's edges split chunk groups (it is not flagged exact), so its keys run
// SubBucketIndex.certain, which observeKey then inlines too.
const script = `
import { createSampler } from ${JSON.stringify(dist)};
const s = createSampler({ keyBucketsPerRoute: 16 });
const utf8 = (t) => new TextEncoder().encode(t);
s.registerRoute(1, Uint8Array.of(1, 2, 3, 0), Uint8Array.of(1, 2, 3, 9));
s.registerRoute(2, utf8("user/1234567"), utf8("user/a345678"));
for (let i = 0; i < 4; i++) s.observeKey(1, 0, Uint8Array.of(1, 2, 3, i, 5, 6, 7, 8));
for (let i = 0; i < 40; i++) s.observeKey(2, 0, utf8("user/" + (2000000 + i * 12345)));
`;

/** Bytecode lengths of the functions named `name` that ran, from `--print-bytecode`. */
function bytecodeLengths(name: string): number[] {
  const out = execFileSync(
    process.execPath,
    ["--print-bytecode", `--print-bytecode-filter=${name}`, "--input-type=module", "-e", script],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  return [...out.matchAll(/^Bytecode length: (\d+)$/gm)].map((m) => Number(m[1]));
}

describe("observeKey inlining budget", () => {
  it("keeps observeKey, subBucket and certain within what V8 inlines into a caller", () => {
    const [observeKey] = bytecodeLengths("observeKey");
    const [subBucket] = bytecodeLengths("subBucket");
    const [certain] = bytecodeLengths("certain");
    expect(observeKey).toBeDefined();
    expect(subBucket).toBeDefined();
    expect(certain).toBeDefined();
    // observeKey writes its op test out; a call it makes on the fast path (isOp once did) would
    // count here too.
    expect(bytecodeLengths("isOp")).toEqual([]);
    expect(subBucket!).toBeLessThanOrEqual(460);
    // observeKey inlined into a loop with its own optimized code's inlinees: 1.2 × total ≤ 920.
    expect(1.2 * (observeKey! + subBucket! + certain!)).toBeLessThanOrEqual(920);
  });
});
