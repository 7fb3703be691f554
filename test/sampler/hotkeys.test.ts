import { describe, expect, it } from "vitest";
import { createSampler, Op } from "../../src/index.js";
import { bytes, clockedSampler, enc } from "../helpers.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("sampler hot keys", () => {
  it("are off by default and cost nothing: hotKeys() answers null", () => {
    const { s, tick } = clockedSampler();
    s.registerRoute(1, null, null);
    s.observeKey(1, Op.Write, enc("a"));
    tick();
    s.flush();
    expect(s.hotKeysEnabled).toBe(false);
    expect(s.hotKeys(1)).toBeNull();
  });

  it("publish write keys per route and label at every flush", () => {
    const { s, tick } = clockedSampler({ labels: ["redis"], hotKeys: { enabled: true, sampleRate: 1, perRoute: 4 } });
    s.registerRoute(1, null, enc("m"));
    s.registerRoute(2, enc("m"), null);
    for (let i = 0; i < 5; i++) s.observeKey(1, Op.Write, enc("hot"), 3);
    s.observeKey(1, Op.Write, enc("cold"));
    s.observeKey(1, Op.Read, enc("read-only")); // reads are not tracked
    s.observeKey(1, Op.Write, enc("lab"), 0, "redis");
    expect(s.hotKeys(1)).toBeNull(); // nothing published before the first flush
    tick();
    s.flush();
    const hk = s.hotKeys(1)!;
    expect(hk.keys).toEqual([
      { key_b64: b64("hot"), count: 5 },
      { key_b64: b64("cold"), count: 1 },
    ]);
    expect(hk).toMatchObject({
      route_id: 1,
      series: "writes",
      approximate: true,
      sample_rate: 1,
      sampled_n: 6,
      degraded: false,
    });
    expect(s.hotKeys(1, { label: "redis" })!.keys).toEqual([{ key_b64: b64("lab"), count: 1 }]);
    expect(s.hotKeys(2)).toBeNull(); // never written: no sketch, no snapshot
    expect(s.hotKeys(1, { top: 1 })!.keys).toHaveLength(1);
  });

  it("filter to a sub-bucket's bounds and forget removed routes", () => {
    const { s, tick } = clockedSampler({ keyBucketsPerRoute: 4, hotKeys: { enabled: true, sampleRate: 1 } });
    s.registerRoute(1, bytes(0x00), bytes(0x40));
    s.observeKey(1, Op.Write, bytes(0x05));
    s.observeKey(1, Op.Write, bytes(0x15));
    s.observeKey(1, Op.Write, bytes(0x16));
    tick();
    s.flush();
    expect(s.hotKeys(1, { subBucket: 1 })!.keys.map((k) => k.key_b64)).toEqual([
      Buffer.from([0x15]).toString("base64"),
      Buffer.from([0x16]).toString("base64"),
    ]);
    expect(s.hotKeys(1, { subBucket: 1 })!.sub_bucket).toBe(1);
    s.removeRoute(1);
    expect(s.hotKeys(1)).toBeNull();
  });

  it("tell no snapshot (null), a sub-bucket out of range and an unknown label apart, with the HTTP errors", () => {
    const { s, tick } = clockedSampler({
      keyBucketsPerRoute: 4,
      labels: ["redis"],
      hotKeys: { enabled: true, sampleRate: 1 },
    });
    s.registerRoute(1, bytes(0x00), bytes(0x40));
    s.registerRoute(2, bytes(0x40), bytes(0x80));
    s.observeKey(1, Op.Write, bytes(0x05));
    const outOfRange = {
      name: "QueryError",
      code: "invalid_query",
      status: 400,
      message: "sub_bucket is out of range for this route",
    };
    expect(s.hotKeys(1, { subBucket: 9 })).toBeNull(); // nothing published yet: no snapshot comes first
    tick();
    s.flush();
    expect(s.hotKeys(1, { subBucket: 3 })!.keys).toEqual([]);
    expect(() => s.hotKeys(1, { subBucket: 4 })).toThrow(expect.objectContaining(outOfRange));
    expect(s.hotKeys(2, { subBucket: 9 })).toBeNull(); // no snapshot of route 2
    expect(s.hotKeys(3)).toBeNull(); // no such route
    expect(() => s.hotKeys(1, { label: "sql" })).toThrow(
      expect.objectContaining({ code: "invalid_query", message: 'label "sql" is not configured (labels: redis)' }),
    );
    expect(s.hotKeys(1, { label: "redis" })).toBeNull(); // a configured label without writes: no snapshot
    expect(() => s.hotKeys(1, { subBucket: 1.5 })).toThrow(RangeError);
  });

  it("validate options and arguments", () => {
    expect(() => clockedSampler({ hotKeys: { enabled: true, perRoute: 2.5 } })).toThrow(
      /^hotKeys\.perRoute must be an integer/,
    );
    // Non-positive falls back to the default, as every sampler option does (SPEC §3).
    expect(() => clockedSampler({ hotKeys: { enabled: true, perRoute: 0 } })).not.toThrow();
    expect(() => clockedSampler({ hotKeys: "on" as never })).toThrow(TypeError);
    const { s } = clockedSampler({ hotKeys: { enabled: true } });
    expect(() => s.hotKeys(-1)).toThrow(RangeError);
  });

  it("warns when hot-keys options come without enabled: true (they stay off)", () => {
    const warnings: [string, unknown][] = [];
    const logger = { info() {}, warn: (m: string, f?: unknown) => void warnings.push([m, f]), error() {} };
    expect(createSampler({ hotKeys: { sampleRate: 8 }, logger }).hotKeysEnabled).toBe(false);
    expect(warnings).toEqual([
      ["keyviz: hotKeys options given without enabled: true; hot keys stay off", { options: ["sampleRate"] }],
    ]);
    createSampler({ hotKeys: { enabled: false, sampleRate: 8 }, logger }); // off on purpose: no warning
    createSampler({ hotKeys: {}, logger });
    expect(warnings).toHaveLength(1);
    // A value that is not a boolean is refused rather than read as "off".
    expect(() => createSampler({ hotKeys: { enabled: "yes" as never } })).toThrow(
      new TypeError("hotKeys.enabled must be a boolean, got string"),
    );
  });

  it("a hot-keys request that is not an object is a TypeError", () => {
    const s = createSampler({ hotKeys: { enabled: true } });
    s.registerRoute(1, null, null);
    expect(() => s.hotKeys(1, null as never)).toThrow(new TypeError("hot-keys request must be an object"));
  });
});
