import { describe, expect, it } from "vitest";
import { crc32c } from "../../src/history/crc32c.js";
import { exportBytes } from "../../src/history/export.js";
import { HistoryFormatError } from "../../src/history/format-error.js";
import { openHistory } from "../../src/history/replay.js";
import { putU32 } from "../../src/history/bytes-io.js";
import { FileKind } from "../../src/history/kvz-format.js";
import { KvzWriter } from "../../src/history/kvz-writer.js";
import type { RowMeta } from "../../src/types.js";
import { clockedSampler, enc } from "../helpers.js";
import { historyOf } from "./history-file.js";

/** A small export: two routes (one labelled, K = 2), a virtual bucket, three columns, terms. */
function smallFile(): Uint8Array {
  const { s, tick } = clockedSampler({ keyBucketsPerRoute: 2, labels: ["x"], maxTrackedRoutes: 2 });
  s.registerRoute(1, enc("a"), enc("f"), 4);
  s.registerRoute(2, enc("f"), enc("m"), 5);
  s.registerRoute(3, enc("m"), enc("z"), 5); // over budget: folded into a virtual bucket
  s.setLeaderTerm(4, 9);
  for (let i = 0; i < 3; i++) {
    s.observeKey(1, 1, enc("b"), 20, "x");
    s.observeKey(2, 0, enc("k"), 0);
    s.observeKey(3, 1, enc("p"), 5 + i);
    tick();
    s.flush();
  }
  return exportBytes(historyOf(s), s.stepMs, {}, 1_700_000_000_000);
}

/** [start, end) of the header and of every block of a valid file. */
function blockRegions(bytes: Uint8Array): [number, number][] {
  const out: [number, number][] = [[0, 16]];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = 16; at < bytes.length;) {
    const end = at + 5 + view.getUint32(at + 1, true) + 4;
    out.push([at, end]);
    at = end;
  }
  return out;
}

function rejection(bytes: Uint8Array): HistoryFormatError {
  try {
    openHistory(bytes);
  } catch (err) {
    if (err instanceof HistoryFormatError) return err;
    throw new Error(`not a HistoryFormatError: ${String(err)}`, { cause: err });
  }
  throw new Error("accepted");
}

describe(".kvz integrity", () => {
  const file = smallFile();

  it("computes CRC-32C (the Castagnoli check value)", () => {
    expect(crc32c(enc("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const long = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    // Slicing-by-8 over any alignment equals the byte-at-a-time definition.
    const bytewise = (b: Uint8Array, start: number) => {
      let c = 0xffffffff;
      for (let i = start; i < b.length; i++) {
        c ^= b[i]!;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    for (const start of [0, 1, 3, 7, 13]) expect(crc32c(long, start)).toBe(bytewise(long, start));
  });

  it("rejects the file truncated at every byte, naming the offset", () => {
    expect(() => openHistory(file)).not.toThrow();
    for (let n = 0; n < file.length; n++) {
      const err = rejection(file.subarray(0, n));
      expect(err.offset).toBeGreaterThanOrEqual(0);
      expect(err.offset).toBeLessThanOrEqual(n);
      expect(err.message).toMatch(/^invalid \.kvz history at byte \d+: /);
    }
  });

  it("rejects every single flipped byte (0x01, 0x80, 0xff tried), naming an offset in the damaged block", () => {
    const regions = blockRegions(file);
    for (let i = 0; i < file.length; i++) {
      const [start, end] = regions.find(([a, b]) => i >= a && i < b)!;
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = file.slice();
        bad[i]! ^= mask;
        const err = rejection(bad);
        expect(err.offset).toBeGreaterThanOrEqual(start);
        expect(err.offset).toBeLessThanOrEqual(end);
      }
    }
  });

  it("checks fields, not only checksums: a re-checksummed damaged block is rejected or read consistently", () => {
    let rejected = 0;
    for (const [start, end] of blockRegions(file).slice(1)) {
      for (let i = start + 5; i < end - 4; i++) {
        for (const mask of [0x01, 0x40, 0xff]) {
          const bad = file.slice();
          bad[i]! ^= mask;
          putU32(bad, end - 4, crc32c(bad, start, end - 4));
          try {
            const replay = openHistory(bad);
            // Accepted only as a well-formed history (e.g. a changed count or key byte).
            replay.matrix({ series: "reads" });
            replay.snapshot();
          } catch (err) {
            expect(err).toBeInstanceOf(HistoryFormatError);
            expect((err as HistoryFormatError).offset).toBeGreaterThanOrEqual(start);
            expect((err as HistoryFormatError).offset).toBeLessThanOrEqual(file.length);
            rejected++;
          }
        }
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it("names a cut at a block boundary as a missing trailer, and bytes after the trailer", () => {
    // The trailer is the last block: 1 type + 4 length + 3 varints + 4 CRC.
    const [trailerStart] = blockRegions(file).at(-1)!;
    const cut = file.subarray(0, trailerStart);
    expect(rejection(cut).message).toMatch(/without its trailer block/);
    const extra = new Uint8Array(file.length + 1);
    extra.set(file);
    expect(rejection(extra).message).toMatch(/1 bytes after the trailer/);
  });

  it("refuses a newer major version and says which it reads; accepts a newer minor", () => {
    const newer = file.slice();
    newer[8] = 2;
    const err = rejection(newer);
    expect(err.offset).toBe(8);
    expect(err.message).toMatch(/version 2\.0 is newer than this reader, which reads version 1\.x/);
    const minor = file.slice();
    minor[10] = 7;
    putU32(minor, 12, crc32c(minor, 0, 12));
    expect(openHistory(minor).columns).toHaveLength(3);
  });

  it("rejects what is not a .kvz file, and non-bytes", () => {
    expect(rejection(enc('{"rows":[]}')).message).toMatch(/bad magic/);
    expect(() => openHistory("abc" as unknown as Uint8Array)).toThrow(TypeError);
  });

  it("skips unknown optional blocks (high bit set) and rejects unknown required ones", () => {
    const withBlock = (type: number) => {
      const block = new Uint8Array(5 + 2 + 4);
      block[0] = type;
      putU32(block, 1, 2);
      block.set([0xaa, 0xbb], 5);
      putU32(block, 7, crc32c(block, 0, 7));
      // Insert right after INFO: header (16) + INFO block.
      const infoEnd = 16 + 5 + new DataView(file.buffer, file.byteOffset).getUint32(17, true) + 4;
      const out = new Uint8Array(file.length + block.length);
      out.set(file.subarray(0, infoEnd));
      out.set(block, infoEnd);
      out.set(file.subarray(infoEnd), infoEnd + block.length);
      return out;
    };
    // The trailer counts blocks, so an inserted block, even optional, must be counted by its writer.
    expect(rejection(withBlock(0x90)).message).toMatch(/trailer counts \d+ blocks before it/);
    expect(rejection(withBlock(0x10)).message).toMatch(/unknown block type 16/);
  });
});

/** A route row [start, end) as the sampler would describe it. */
function routeMeta(routeId: number, start: string, end: string): RowMeta {
  return {
    bucketId: `route:${routeId}`,
    routeId,
    label: "",
    start: enc(start),
    end: enc(end),
    aggregate: false,
    memberRoutes: [routeId],
    memberRoutesTotal: 1,
    groupId: 0,
    subBucket: 0,
    subBucketCount: 1,
  };
}

/** A whole, well-checksummed export of `metas` and columns of one write per listed row. */
function craftedFile(metas: RowMeta[], columns: { windowStartMs: number; atMs: number; ids: number[] }[]): Uint8Array {
  const w = new KvzWriter();
  const parts = [w.header(), w.info({ kind: FileKind.Export, stepMs: 60_000, writtenMs: 0 }), w.metas(metas)];
  for (const c of columns) {
    const n = c.ids.length;
    const series = (v: number) => new Float64Array(n).fill(v);
    const values = [series(0), series(1), series(0), series(0)];
    parts.push(w.column({ ...c, n, metaIds: Uint32Array.from(c.ids), values, terms: new Float64Array(n) }));
  }
  parts.push(w.trailer());
  return Buffer.concat(parts);
}

describe(".kvz contents the sampler never writes (checksums intact)", () => {
  const ab = routeMeta(1, "a", "m");
  it.each([
    [
      "a column time before the previous one",
      [ab],
      [120_000, 60_000],
      [[0], [0]],
      /column time 60000 is not after the previous column's 120000/,
    ],
    ["a column time equal to the previous one", [ab], [60_000, 60_000], [[0], [0]], /column time 60000 is not after/],
    [
      "a meta whose start is not below its end",
      [routeMeta(1, "z", "b")],
      [60_000],
      [[0]],
      /start key is not below its end key/,
    ],
    ["an empty range", [routeMeta(1, "b", "b")], [60_000], [[0]], /start key is not below its end key/],
    ["one bucket listed twice in a column", [ab], [60_000], [[0, 0]], /meta id 0 is listed twice in one column/],
  ] as const)("rejects %s", (_, metas, times, ids, message) => {
    const columns = times.map((atMs, i) => ({ windowStartMs: atMs - 60_000, atMs, ids: [...ids[i]!] }));
    const bytes = craftedFile([...metas], columns);
    expect(rejection(bytes).message).toMatch(message);
  });

  it("rejects a window that starts after its column's time", () => {
    const bytes = craftedFile([ab], [{ windowStartMs: 120_000, atMs: 60_000, ids: [0] }]);
    expect(rejection(bytes).message).toMatch(/window starts at 120000, after its column's time 60000/);
  });

  it("still opens the same file when it is well formed", () => {
    const bytes = craftedFile(
      [ab, routeMeta(2, "m", "z")],
      [
        { windowStartMs: 0, atMs: 60_000, ids: [0, 1] },
        { windowStartMs: 60_000, atMs: 120_000, ids: [1] },
      ],
    );
    const m = openHistory(bytes).matrix({ series: "writes" });
    expect(m.column_unix_ms).toEqual([60_000, 120_000]);
    expect(m.rows.map((r) => [r.bucket_id, r.values])).toEqual([
      ["route:1", [1, 0]],
      ["route:2", [1, 1]],
    ]);
  });
});
