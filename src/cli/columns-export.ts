// Flushed columns (what `sampler.snapshot()` returns) as a `.kvz` export file, through the format's
// own writer (history/export.ts). `keyviz record` uses it because the sampler has no export method
// on main yet (issue 11 adds `sampler.exportHistory()`; switch to it when it lands).
import { exportBytes } from "../history/export.js";
import { ColumnBuilder, History } from "../history/history.js";
import type { Column, Row, RowMeta } from "../types.js";

const hex = (k: Uint8Array | null) => (k === null ? "-" : Buffer.from(k).toString("hex"));

/** Identity of a row description: a bucket keeps one meta until its range or members change. */
function metaKey(r: Row): string {
  return [r.bucketId, hex(r.start), hex(r.end), r.groupId, r.aggregate, r.memberRoutesTotal, r.memberRoutes.join(","), r.subBucket, r.subBucketCount].join("|");
}

function metaOf(r: Row): RowMeta {
  const { bucketId, routeId, label, start, end, aggregate, memberRoutes, memberRoutesTotal, groupId, subBucket, subBucketCount } = r;
  return { bucketId, routeId, label, start, end, aggregate, memberRoutes, memberRoutesTotal, groupId, subBucket, subBucketCount };
}

export function exportColumns(columns: readonly Column[], stepMs: number, nowMs: number): Uint8Array {
  const history = new History(Math.max(1, columns.length));
  const ids = new Map<string, number>();
  const builder = new ColumnBuilder();
  for (const c of columns) {
    builder.reset(c.windowStartMs, c.atMs, c.rows.length);
    for (const r of c.rows) {
      const key = metaKey(r);
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = history.addMeta(metaOf(r))));
      builder.add(id, r.reads, r.writes, r.readBytes, r.writeBytes, r.leaderTerm);
    }
    history.appendFrom(builder);
  }
  return exportBytes(history, stepMs, {}, nowMs);
}
