// Assembly of one wire row with the omission rules of SPEC §5.
import type { MatrixRow } from "./types.js";

/** The identity part of a row, before the omission rules are applied. */
export interface RowHead {
  bucket_id: string;
  label?: string;
  start: string | null;
  end: string | null;
  aggregate: boolean;
  route_ids?: readonly number[];
  route_ids_truncated?: boolean;
  route_count: number;
}

/**
 * Assembles a wire row in field order, applying the omission rules of SPEC §5: `label` only when
 * non-empty, `route_ids` only on aggregate rows, `route_ids_truncated` only when true,
 * `conflict`/`conflicts` only when some cell conflicted.
 */
export function makeRow(
  head: RowHead,
  values: number[],
  groups: number[],
  terms: number[],
  conflicts?: readonly boolean[],
): MatrixRow {
  const out: Partial<MatrixRow> = { bucket_id: head.bucket_id }; // keys are added in wire order
  if (head.label) out.label = head.label;
  out.start = head.start;
  out.end = head.end;
  out.aggregate = head.aggregate;
  if (head.aggregate && head.route_ids !== undefined) {
    out.route_ids = [...head.route_ids];
    if (head.route_ids_truncated) out.route_ids_truncated = true;
  }
  out.route_count = head.route_count;
  out.values = values;
  if (conflicts !== undefined && conflicts.some(Boolean)) {
    out.conflict = true;
    out.conflicts = [...conflicts];
  }
  out.raft_group_ids = groups;
  out.leader_terms = terms;
  return out as MatrixRow;
}
