// Which hot-keys requests the viewer makes for a pinned row (src/web/ui/pins.ts), in plain Node.
import { describe, expect, it } from "vitest";
import type { GridRow } from "../../src/web/data/grid.js";
import { hotKeyTargets, labelsShown } from "../../src/web/ui/pins.js";

function row(bucketId: string, routeIds?: number[], routeCount = routeIds?.length ?? 1): GridRow {
  const r: GridRow = {
    bucketId,
    start: null,
    end: null,
    startBytes: null,
    endBytes: null,
    aggregate: routeIds !== undefined,
    routeIdsTruncated: false,
    routeCount,
    groups: [],
    terms: [],
  };
  if (routeIds !== undefined) r.routeIds = routeIds;
  return r;
}

describe("hotKeyTargets", () => {
  it("a route row asks for its own route, label and sub-bucket, whatever labels the matrix shows", () => {
    expect(hotKeyTargets(row("route:7:redis#2"), ["grpc", "redis"])).toEqual({
      targets: [{ routeId: 7, label: "redis", sub: 2 }],
      unlisted: 0,
    });
  });

  it("a merged row asks each member unlabelled and in each label (labelled writes are sampled per label)", () => {
    expect(hotKeyTargets(row("merged:route:3..route:4", [3, 4]), ["grpc", "redis"])).toEqual({
      targets: [
        { routeId: 3 },
        { routeId: 3, label: "grpc" },
        { routeId: 3, label: "redis" },
        { routeId: 4 },
        { routeId: 4, label: "grpc" },
        { routeId: 4, label: "redis" },
      ],
      unlisted: 0,
    });
  });

  it("caps the requests at 64: fewer members when there are labels, and counts the members not asked", () => {
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    const plain = hotKeyTargets(row("merged:route:1..route:40", ids, 50));
    expect(plain.targets).toHaveLength(40);
    expect(plain.unlisted).toBe(10);
    const labelled = hotKeyTargets(row("merged:route:1..route:40", ids, 50), ["grpc", "redis"]);
    expect(labelled.targets).toHaveLength(63); // 21 members × 3
    expect(labelled.unlisted).toBe(29);
  });
});

describe("labelsShown", () => {
  it("takes rows' labels and the labels in merged ids' first and last members", () => {
    const labelled = { ...row("route:5:sql"), label: "sql" };
    const rows = [
      row("merged:route:66:redis..route:54:grpc#1", [54, 66]),
      labelled,
      row("virtual:3", [3]),
      row("route:2"),
    ];
    expect(labelsShown(rows)).toEqual(["grpc", "redis", "sql"]);
  });
});
