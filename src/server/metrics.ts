// GET /metrics: keyviz's own health in the Prometheus text format (version 0.0.4), written by
// hand — the format is lines of `name{labels} value` under `# HELP` / `# TYPE` comments.
// Behind the same credential as the API (it names peers and sizes; nothing an outsider needs).
//
// Sampler figures come from its `stats()`; a field the sampler does not report (an older sampler,
// or no storage configured) is simply not exposed rather than exposed as a misleading 0.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NodeStatus } from "./fanout.js";
import type { SamplerPort } from "./sampler-port.js";

export const METRICS_PATH = "/metrics";
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Kind = "counter" | "gauge";

/** One sampler `stats()` field → one metric (`scale` converts units: ms → s). */
const SAMPLER_METRICS: readonly { field: string; name: string; kind: Kind; help: string; scale?: number }[] = [
  {
    field: "observations",
    name: "keyviz_observations_total",
    kind: "counter",
    help: "Samples observed by the sampler.",
  },
  { field: "misses", name: "keyviz_misses_total", kind: "counter", help: "Observations of unknown or removed routes." },
  {
    field: "invalidSamples",
    name: "keyviz_invalid_samples_total",
    kind: "counter",
    help: "Observations rejected as invalid (bad op or key).",
  },
  {
    field: "droppedSamples",
    name: "keyviz_dropped_samples_total",
    kind: "counter",
    help: "Hot-key samples dropped because the queue was full.",
  },
  { field: "flushes", name: "keyviz_flushes_total", kind: "counter", help: "Columns flushed." },
  {
    field: "lastFlushDurationMs",
    name: "keyviz_last_flush_duration_seconds",
    kind: "gauge",
    help: "Duration of the last flush.",
    scale: 1e-3,
  },
  { field: "columns", name: "keyviz_history_columns", kind: "gauge", help: "Columns held in history." },
  { field: "trackedRoutes", name: "keyviz_tracked_routes", kind: "gauge", help: "Live routes with their own slot." },
  { field: "virtualBuckets", name: "keyviz_virtual_buckets", kind: "gauge", help: "Live virtual buckets." },
  {
    field: "memoryBytes",
    name: "keyviz_sampler_memory_bytes",
    kind: "gauge",
    help: "Counter memory plus stored history.",
  },
  {
    field: "storageErrors",
    name: "keyviz_storage_errors_total",
    kind: "counter",
    help: "Failed writes or reads of stored history.",
  },
];

/** Counters kept by the server itself. */
export class ServerCounters {
  readonly peerFailures = new Map<string, number>();
  authFailures = 0;

  /** Counts the failed peers of one fan-out (every node after self). */
  observeFanout(nodes: readonly NodeStatus[]): void {
    for (const n of nodes.slice(1)) if (!n.ok) this.peerFailures.set(n.node, (this.peerFailures.get(n.node) ?? 0) + 1);
  }
}

/** Live figures of the server's parts, read at scrape time. */
export interface MetricSources {
  sampler: SamplerPort | null;
  counters: ServerCounters;
  peers: readonly string[];
  streamClients(): number;
  streamDrops(): number;
  connections(): number;
  bufferedResponseBytes(): number;
  overloaded(): number;
  pipelineOverflows(): number;
  sessions(): number;
  peerBodyBytes(): number;
}

export class MetricsText {
  private readonly lines: string[] = [];

  add(
    name: string,
    kind: Kind,
    help: string,
    samples: readonly [labels: Record<string, string>, value: number][],
  ): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${kind}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  one(name: string, kind: Kind, help: string, value: number): this {
    return this.add(name, kind, help, [[{}, value]]);
  }

  toString(): string {
    return this.lines.join("\n") + "\n"; // the last line must end with a line feed
  }
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`,
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

export function renderMetrics(src: MetricSources): string {
  const out = new MetricsText();
  const stats = readStats(src.sampler);
  out.one(
    "keyviz_sampler_enabled",
    "gauge",
    "1 when a sampler is attached to this server.",
    src.sampler === null ? 0 : 1,
  );
  for (const m of SAMPLER_METRICS) {
    const v = stats[m.field];
    if (typeof v === "number" && Number.isFinite(v)) out.one(m.name, m.kind, m.help, v * (m.scale ?? 1));
  }
  const mem = process.memoryUsage();
  out
    .one("keyviz_process_resident_memory_bytes", "gauge", "Resident set size of the process.", mem.rss)
    .one("keyviz_process_heap_used_bytes", "gauge", "V8 heap in use.", mem.heapUsed)
    .add(
      "keyviz_peer_failures_total",
      "counter",
      "Fan-out calls to a peer that failed (error, timeout, malformed answer).",
      src.peers.map((p) => [{ peer: p }, src.counters.peerFailures.get(p) ?? 0]),
    )
    .one(
      "keyviz_peer_body_bytes_in_flight",
      "gauge",
      "Peer response bytes held by fan-out calls now (bounded by peerBodyBudgetBytes).",
      src.peerBodyBytes(),
    )
    .one("keyviz_stream_clients", "gauge", "Connected live-stream (SSE) clients.", src.streamClients())
    .one("keyviz_stream_clients_dropped_total", "counter", "Stream clients dropped for not reading.", src.streamDrops())
    .one("keyviz_http_connections", "gauge", "Open HTTP connections.", src.connections())
    .one(
      "keyviz_http_buffered_response_bytes",
      "gauge",
      "Response bytes not yet taken by the operating system.",
      src.bufferedResponseBytes(),
    )
    .one("keyviz_http_overloaded_total", "counter", "Requests answered 503 overloaded.", src.overloaded())
    .one(
      "keyviz_http_pipeline_overflows_total",
      "counter",
      "Connections closed for pipelining too many requests.",
      src.pipelineOverflows(),
    )
    .one(
      "keyviz_auth_failures_total",
      "counter",
      "Requests refused for a wrong bearer token.",
      src.counters.authFailures,
    )
    .one("keyviz_sessions", "gauge", "Live login sessions.", src.sessions());
  return out.toString();
}

function readStats(sampler: SamplerPort | null): Record<string, unknown> {
  if (sampler === null || typeof sampler.stats !== "function") return {};
  try {
    const s = sampler.stats();
    return typeof s === "object" && s !== null ? (s as unknown as Record<string, unknown>) : {};
  } catch {
    return {}; // a failing stats() must not take the health endpoint down
  }
}

export function metricsHandler(src: MetricSources): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const text = renderMetrics(src);
    res.writeHead(200, {
      "Content-Type": CONTENT_TYPE,
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
    });
    res.end(text);
  };
}
