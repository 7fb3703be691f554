// GET /metrics: Prometheus text format (0.0.4), keyviz's own health, same auth as the API.
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSampler } from "../../src/sampler/sampler.js";
import { MetricsText } from "../../src/server/metrics.js";
import { eventually, FakeSampler, request, SseReader, startRawServer, startServer } from "./fixtures.js";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Checks the text against the exposition rules and returns `name{labels}` → value. */
function parseExposition(text: string): Map<string, number> {
  expect(text.endsWith("\n")).toBe(true);
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      expect(meta[2]).toMatch(NAME);
      if (meta[1] === "TYPE") {
        expect(["counter", "gauge"]).toContain(meta[3]);
        expect(typed.has(meta[2]!), `one TYPE per metric: ${meta[2]}`).toBe(false);
        typed.set(meta[2]!, meta[3]!);
      } else helped.add(meta[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? (\S+)$/.exec(
      line,
    );
    expect(m, `sample line: ${line}`).not.toBeNull();
    expect(typed.has(m![1]!), `TYPE before samples of ${m![1]}`).toBe(true);
    expect(helped.has(m![1]!)).toBe(true);
    if (typed.get(m![1]!) === "counter") expect(m![1]).toMatch(/_total$/);
    const value = Number(m![3]);
    expect(Number.isNaN(value) && m![3] !== "NaN").toBe(false);
    samples.set(m![1]! + (m![2] ?? ""), value);
  }
  return samples;
}

describe("GET /metrics", () => {
  it("serves sampler stats, process memory and server state in the text format", async () => {
    const sampler = new FakeSampler() as FakeSampler & { stats(): Record<string, number> };
    sampler.stats = () => ({
      observations: 120,
      misses: 3,
      invalidSamples: 2,
      droppedSamples: 1,
      lastFlushDurationMs: 4,
      columns: 7,
      memoryBytes: 4096,
      storageErrors: 0,
    });
    const { url } = await startServer({ sampler });
    const stream = await SseReader.open(url + "/admin/api/v1/keyviz/stream");
    await eventually(() => sampler.listeners.size === 1);
    const r = await request(url + "/metrics");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(r.headers["cache-control"]).toBe("no-store");
    const m = parseExposition(r.text);
    expect(m.get("keyviz_observations_total")).toBe(120);
    expect(m.get("keyviz_misses_total")).toBe(3);
    expect(m.get("keyviz_invalid_samples_total")).toBe(2);
    expect(m.get("keyviz_dropped_samples_total")).toBe(1);
    expect(m.get("keyviz_last_flush_duration_seconds")).toBe(0.004);
    expect(m.get("keyviz_history_columns")).toBe(7);
    expect(m.get("keyviz_sampler_memory_bytes")).toBe(4096);
    expect(m.get("keyviz_storage_errors_total")).toBe(0);
    expect(m.get("keyviz_stream_clients")).toBe(1);
    expect(m.get("keyviz_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(m.get("keyviz_http_connections")).toBeGreaterThanOrEqual(1);
    stream.close();
  });

  it("exposes a real sampler's observations, dropped samples, flushes and flush duration", async () => {
    let t = 1000;
    const sampler = createSampler({
      stepMs: 1000,
      now: () => t,
      hotKeys: { enabled: true, sampleRate: 1, queueSize: 1 },
    });
    sampler.registerRoute(1, null, null);
    sampler.observeKey(1, 1, new Uint8Array([1]));
    sampler.observeKey(1, 1, new Uint8Array([2])); // hot-key queue of 1 full: dropped
    sampler.observe(42, 0, 1); // a miss
    t += 1000;
    sampler.flush();
    const { url } = await startServer({ sampler });
    const m = parseExposition((await request(url + "/metrics")).text);
    expect(m.get("keyviz_observations_total")).toBe(3);
    expect(m.get("keyviz_dropped_samples_total")).toBe(1);
    expect(m.get("keyviz_flushes_total")).toBe(1);
    expect(m.get("keyviz_last_flush_duration_seconds")).toBeGreaterThanOrEqual(0);
  });

  it("exposes storage errors of a real sampler with storage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keyviz-metrics-"));
    const sampler = createSampler({ stepMs: 1000, now: () => 1000, storage: { dir } });
    try {
      const { url } = await startServer({ sampler });
      const m = parseExposition((await request(url + "/metrics")).text);
      expect(m.get("keyviz_storage_errors_total")).toBe(0);
    } finally {
      sampler.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("omits what the sampler does not report (no storage → no storage errors)", async () => {
    const sampler = createSampler({ stepMs: 1000, now: () => 1000 });
    sampler.observe(42, 0, 1); // no such route: a miss
    const { url } = await startServer({ sampler });
    const m = parseExposition((await request(url + "/metrics")).text);
    expect(m.get("keyviz_misses_total")).toBe(1);
    expect(m.get("keyviz_sampler_enabled")).toBe(1);
    expect(m.has("keyviz_storage_errors_total")).toBe(false);
  });

  it("counts failed peers per peer", async () => {
    const bad = await startRawServer((_req, res) => {
      res.writeHead(500);
      res.end("no");
    });
    const { url } = await startServer({ sampler: new FakeSampler(), peers: [bad.url] });
    await request(url + "/admin/api/v1/keyviz/matrix");
    await request(url + "/admin/api/v1/keyviz/matrix");
    const m = parseExposition((await request(url + "/metrics")).text);
    expect(m.get(`keyviz_peer_failures_total{peer="${bad.url}"}`)).toBe(2);
  });

  it("needs the API credential; the hot-keys token is not required", async () => {
    const { url } = await startServer({ sampler: null, token: "api-t", hotKeysToken: "hot-t" });
    expect((await request(url + "/metrics")).status).toBe(401);
    const r = await request(url + "/metrics", { headers: { Authorization: "Bearer api-t" } });
    expect(r.status).toBe(200);
    expect(parseExposition(r.text).get("keyviz_sampler_enabled")).toBe(0);
    expect(parseExposition(r.text).get("keyviz_auth_failures_total")).toBe(0);
    await request(url + "/metrics", { headers: { Authorization: "Bearer nope" } });
    const after = await request(url + "/metrics", { headers: { Authorization: "Bearer api-t" } });
    expect(parseExposition(after.text).get("keyviz_auth_failures_total")).toBe(1);
  });

  it("escapes label values and help text", () => {
    const text = new MetricsText().add("x_total", "counter", "a \\ b\nc", [[{ peer: 'a"b\\c\nd' }, 1]]).toString();
    expect(text).toBe('# HELP x_total a \\\\ b\\nc\n# TYPE x_total counter\nx_total{peer="a\\"b\\\\c\\nd"} 1\n');
    parseExposition(text);
  });
});
