// A valid SPEC §5 matrix of about `targetMb` MB as a peer would send it, for the fan-out stall
// measurements (bench/peer-parse-stall.mjs, bench/fanout-stall.mjs).

/** 1 024 rows (the peer budget of a fan-out) × enough columns to reach the size. */
export function bigMatrix(targetMb) {
  const columns = Math.max(1, Math.round((targetMb * 1e6) / (1024 * 8.2)));
  const col = Array.from({ length: columns }, (_, j) => 1_700_000_000_000 + j * 60_000);
  const rows = Array.from({ length: 1024 }, (_, i) => ({
    bucket_id: `route:${i + 1}`,
    start: i === 0 ? null : Buffer.from(`k${String(i).padStart(5, "0")}`).toString("base64"),
    end: i === 1023 ? null : Buffer.from(`k${String(i + 1).padStart(5, "0")}`).toString("base64"),
    aggregate: false,
    route_count: 1,
    values: col.map((_, j) => (i * 7 + j) % 997),
    raft_group_ids: col.map(() => 1 + (i % 8)),
    leader_terms: col.map(() => 3),
  }));
  return { column_unix_ms: col, rows, series: "writes", generated_at: new Date(0).toISOString() };
}
