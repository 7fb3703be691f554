// Route bucket ids (SPEC §5) written and read back: the hot-keys query and the viewer parse them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRouteBucketId, routeBucketId } from "../../src/wire/bucket-id.js";

describe("parseRouteBucketId", () => {
  it("reads back every id routeBucketId writes (labels hold neither ':' nor '#')", () => {
    const label = fc.string({ maxLength: 8 }).filter((s) => !s.includes(":") && !s.includes("#"));
    fc.assert(
      fc.property(fc.nat(), label, fc.integer({ min: 1, max: 256 }), fc.nat(255), (id, l, k, s) => {
        const sub = s % k;
        const parts = parseRouteBucketId(routeBucketId(id, l, sub, k));
        expect(parts).toEqual({
          routeId: String(id),
          ...(l !== "" ? { label: l } : {}),
          ...(k > 1 ? { sub: String(sub) } : {}),
        });
      }),
    );
  });

  it("is null for other ids and malformed ones", () => {
    for (const id of [
      "virtual:18446744073709551615",
      "merged:route:1..route:2",
      "route:",
      "route:x",
      "route:1:a:b",
      "route:1#",
    ]) {
      expect(parseRouteBucketId(id)).toBeNull();
    }
    expect(parseRouteBucketId("route:18446744073709551615:redis#3")).toEqual({
      routeId: "18446744073709551615",
      label: "redis",
      sub: "3",
    });
  });
});
