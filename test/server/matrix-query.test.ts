// The matrix query over HTTP with the reference's integer rules (issue 9 item 7): rows outside
// signed 64 bits is 400 "rows must be an integer"; any other value above 1024 is clamped.
import { describe, expect, it } from "vitest";
import { FakeSampler, request, startServer } from "./fixtures.js";

const MATRIX = "/admin/api/v1/keyviz/matrix";

describe("matrix query: the reference's 64-bit integer rules", () => {
  it.each([
    ["rows=9223372036854775807", 1024],
    ["rows=-9223372036854775808", 1024],
    ["rows=1025", 1024],
    ["rows=7", 7],
  ])("%s → 200, sampler asked for %i rows", async (qs, rows) => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    expect((await request(`${url}${MATRIX}?${qs}`)).status).toBe(200);
    expect(sampler.matrixCalls[0]!.rows).toBe(rows);
  });

  it.each(["rows=9223372036854775808", "rows=-9223372036854775809", "rows=99999999999999999999999"])(
    '%s → 400 invalid_query "rows must be an integer"',
    async (qs) => {
      const sampler = new FakeSampler();
      const { url } = await startServer({ sampler });
      const r = await request(`${url}${MATRIX}?${qs}`);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: "invalid_query", message: "rows must be an integer" });
      expect(sampler.matrixCalls).toEqual([]);
    },
  );

  it("a time bound beyond ±2^53 (but within int64) is accepted and clamped", async () => {
    const sampler = new FakeSampler();
    const { url } = await startServer({ sampler });
    expect((await request(`${url}${MATRIX}?from_unix_ms=9223372036854775807`)).status).toBe(200);
    expect(sampler.matrixCalls[0]).toEqual({ series: "writes", rows: 1024, fromMs: Number.MAX_SAFE_INTEGER });
  });
});
