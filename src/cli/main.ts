#!/usr/bin/env node
// The `keyviz` command (Node only). `keyviz demo` runs the live demo: a sharded in-memory store
// behind a Coordinator, skewed traffic whose hotspot moves, a split of the hottest route half
// way, the HTTP API (matrix, hot keys, SSE stream) on loopback, and a terminal heatmap redrawn at
// every flush.

import { parseArgs } from "node:util";
import { asciiHeatmap } from "./ascii-heatmap.js";
import { Coordinator } from "../routing/coordinator.js";
import { MemoryGroup } from "../testing/memory-group.js";
import { createSampler, type Sampler } from "../sampler/sampler.js";
import { createServer } from "../server/index.js";

const USAGE = `usage: keyviz demo [--port N] [--step-ms N] [--duration S] [--quiet]
  --port N       HTTP port on 127.0.0.1 (default 8790; 0 picks a free one)
  --step-ms N    flush interval in ms (default 1000)
  --duration S   stop after S seconds (default: run until Ctrl-C)
  --quiet        do not redraw the terminal heatmap`;

const ROUTES = 16;
const GROUPS = 4;
const KEYSPACE = 100_000;
const enc = (s: string) => new TextEncoder().encode(s);
const userKey = (n: number) => enc(`user:${String(n).padStart(6, "0")}`);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", default: "8790" },
      "step-ms": { type: "string", default: "1000" },
      duration: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || positionals[0] !== "demo") {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const port = integerArg("--port", values.port, 0, 65535);
  const stepMs = integerArg("--step-ms", values["step-ms"], 50, 3_600_000);
  const duration = values.duration === undefined ? Infinity : integerArg("--duration", values.duration, 1, 86_400);
  await runDemo({ port, stepMs, durationMs: duration * 1000, quiet: values.quiet });
  return 0;
}

function integerArg(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return n;
}

interface DemoOptions {
  port: number;
  stepMs: number;
  durationMs: number;
  quiet: boolean;
}

async function runDemo(o: DemoOptions): Promise<void> {
  const sampler = createSampler({ stepMs: o.stepMs, historyColumns: 600, keyBucketsPerRoute: 4, labels: ["redis", "grpc"], hotKeys: { enabled: true } });
  const groups = new Map(Array.from({ length: GROUPS }, (_, g) => [g + 1, new MemoryGroup({ groupId: g + 1 })] as const));
  const routes = Array.from({ length: ROUTES }, (_, i) => ({
    routeId: i + 1,
    start: i === 0 ? null : userKey((i * KEYSPACE) / ROUTES),
    end: i === ROUTES - 1 ? null : userKey(((i + 1) * KEYSPACE) / ROUTES),
    groupId: (i % GROUPS) + 1,
  }));
  const coordinator = new Coordinator({ routes, groups, sampler });
  const server = createServer({ sampler, port: o.port });
  const { host, port } = await server.listen();
  console.log(`keyviz demo: API on http://${host}:${port}/admin/api/v1/keyviz/matrix (stream: …/stream, hot keys: …/hotkeys?route_id=N)`);

  sampler.start();
  const started = Date.now();
  const traffic = new Traffic(coordinator, started);
  const pump = setInterval(() => void traffic.burst(2000), 10);
  let split = false;
  const off = sampler.onFlush(() => {
    if (!split && Date.now() - started > 10 * o.stepMs) split = splitHottest(coordinator, sampler);
    if (!o.quiet) draw(sampler, port);
  });

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (Number.isFinite(o.durationMs)) setTimeout(stop, o.durationMs);
  });
  clearInterval(pump);
  off();
  sampler.stop();
  sampler.flush();
  coordinator.close();
  await server.close();
  const m = sampler.matrix({ series: "writes", rows: 32 });
  console.log(`keyviz demo: done, ${m.column_unix_ms.length} columns, ${m.rows.length} rows, ${sampler.stats().misses} misses`);
}

/** Zipf-like traffic around a hotspot that drifts across the key space over time. */
class Traffic {
  private seq = 0;
  constructor(
    private readonly c: Coordinator,
    private readonly t0: number,
  ) {}

  async burst(n: number): Promise<void> {
    const hot = Math.floor(((Date.now() - this.t0) / 200) % KEYSPACE);
    const redis = this.c.withLabel("redis");
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const skew = Math.floor(KEYSPACE * Math.pow(Math.random(), 6)) * (Math.random() < 0.5 ? 1 : -1);
      const key = userKey((((hot + skew) % KEYSPACE) + KEYSPACE) % KEYSPACE);
      const via = ++this.seq % 3 === 0 ? redis : this.c;
      if (Math.random() < 0.3) ops.push(via.dispatch([{ type: "put", key, value: enc("v".repeat(16)) }]));
      else ops.push(via.leaseReadForKey(key));
    }
    await Promise.allSettled(ops);
  }
}

/** Splits the route with the most writes in the latest column at its middle key; true when it did. */
function splitHottest(c: Coordinator, sampler: Sampler): boolean {
  const cols = sampler.snapshot();
  const rows = cols[cols.length - 1]?.rows ?? [];
  const writes = new Map<number, number>();
  for (const r of rows) if (r.routeId !== null) writes.set(r.routeId, (writes.get(r.routeId) ?? 0) + r.writes);
  const hottest = [...writes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const route = [...c.table.routes()].find((r) => r.routeId === hottest);
  if (route === undefined) return false;
  const lo = route.start === null ? 0 : Number(new TextDecoder().decode(route.start).slice(5));
  const hi = route.end === null ? KEYSPACE : Number(new TextDecoder().decode(route.end).slice(5));
  const mid = Math.floor((lo + hi) / 2);
  if (!(mid > lo && mid < hi)) return false;
  const [l, r] = c.split(route.routeId, userKey(mid));
  console.log(`keyviz demo: split hot route ${route.routeId} at user:${mid} into ${l} and ${r}`);
  return true;
}

function draw(sampler: Sampler, port: number): void {
  const m = sampler.matrix({ series: "writes", rows: 24 });
  process.stdout.write(`\x1b[2J\x1b[H${asciiHeatmap(m, { width: 60, labelWidth: 16 })}\n\nAPI: http://127.0.0.1:${port}/admin/api/v1/keyviz/matrix   Ctrl-C to stop\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`keyviz: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
