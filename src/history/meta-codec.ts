// The DICT block of `.kvz`: keys and strings interned once per file, then row metadata records
// that refer to them by id. Ids are implicit (order of appearance across the whole file), so a
// reader keeps three growing tables: keys, strings and metas.

import type { RowMeta } from "../types.js";
import { compareBytes } from "../keys/bytes.js";
import { routeBucketId } from "../wire/bucket-id.js";
import { ByteReader, ByteWriter } from "./bytes-io.js";
import { META_FLAGS_KNOWN, MetaFlag } from "./kvz-format.js";

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** A key as a Map key: one char per byte. */
function keyString(k: Uint8Array): string {
  let s = "";
  for (let i = 0; i < k.length; i++) s += String.fromCharCode(k[i]!);
  return s;
}

/** Ids for values in order of first appearance, and the values new since the last `drain()`. */
class Interner<T> {
  private readonly ids = new Map<string, number>();
  private fresh: T[] = [];

  constructor(private readonly keyOf: (v: T) => string) {}

  id(v: T): number {
    const k = this.keyOf(v);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(k, id);
      this.fresh.push(v);
    }
    return id;
  }

  drain(): T[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }
}

/** Interns keys and strings for one file and writes DICT payloads. */
export class DictWriter {
  private readonly keys = new Interner<Uint8Array>(keyString);
  private readonly strings = new Interner<string>((s) => s);
  /** Metas written so far (the next meta's id). */
  metaCount = 0;

  /** The DICT payload declaring `metas` (ids metaCount, metaCount + 1, …). */
  payload(metas: readonly RowMeta[]): Uint8Array {
    const records = new ByteWriter(64 + metas.length * 16);
    for (const m of metas) this.record(records, m);
    this.metaCount += metas.length;
    const out = new ByteWriter(records.length + 64);
    const keys = this.keys.drain();
    const strings = this.strings.drain().map((s) => utf8.encode(s));
    for (const list of [keys, strings]) {
      out.varint(list.length);
      for (const b of list) {
        out.varint(b.length);
        out.bytes(b);
      }
    }
    out.varint(metas.length);
    out.bytes(records.view());
    return out.finish();
  }

  private record(w: ByteWriter, m: RowMeta): void {
    const derived =
      m.routeId !== null &&
      !m.aggregate &&
      routeBucketId(m.routeId, m.label, m.subBucket, m.subBucketCount) === m.bucketId;
    const plainMembers =
      m.routeId !== null && m.memberRoutesTotal === 1 && m.memberRoutes.length === 1 && m.memberRoutes[0] === m.routeId;
    let flags = 0;
    if (m.aggregate) flags |= MetaFlag.Aggregate;
    if (m.routeId !== null) flags |= MetaFlag.HasRouteId;
    if (m.start === null) flags |= MetaFlag.StartNull;
    if (m.end === null) flags |= MetaFlag.EndNull;
    if (!derived) flags |= MetaFlag.ExplicitBucketId;
    if (!plainMembers) flags |= MetaFlag.ExplicitMembers;
    w.varint(flags);
    if (m.routeId !== null) w.varint(m.routeId);
    w.varint(m.label === "" ? 0 : this.strings.id(m.label) + 1);
    if (m.start !== null) w.varint(this.keys.id(m.start));
    if (m.end !== null) w.varint(this.keys.id(m.end));
    if (!derived) w.varint(this.strings.id(m.bucketId));
    if (!plainMembers) {
      w.varint(m.memberRoutes.length);
      let prev = 0;
      for (const id of m.memberRoutes) {
        w.svarint(id - prev);
        prev = id;
      }
      w.varint(m.memberRoutesTotal);
    }
    w.varint(m.groupId);
    w.varint(m.subBucket);
    w.varint(m.subBucketCount);
  }
}

/** The reader's tables, grown by each DICT block. */
export class DictTables {
  keys: Uint8Array[] = [];
  strings: string[] = [];
  metas: RowMeta[] = [];
}

/**
 * Parses one DICT payload. Nothing is added to `t` unless the whole block is valid, so a reader
 * that stops at a bad block keeps exactly the tables of the blocks before it.
 */
export function readDict(r: ByteReader, t: DictTables): void {
  const keys: Uint8Array[] = [];
  const nKeys = r.count("key count");
  for (let i = 0; i < nKeys; i++) keys.push(r.bytes(r.count("key length")));
  const strings: string[] = [];
  const nStrings = r.count("string count");
  for (let i = 0; i < nStrings; i++) {
    const at = r.pos;
    const b = r.bytes(r.count("string length"));
    try {
      strings.push(utf8Strict.decode(b));
    } catch {
      r.fail("string is not valid UTF-8", at);
    }
  }
  const allKeys = t.keys.concat(keys);
  const allStrings = t.strings.concat(strings);
  const metas: RowMeta[] = [];
  const nMetas = r.count("meta count", 5);
  for (let i = 0; i < nMetas; i++) metas.push(readMeta(r, allKeys, allStrings));
  r.expectEnd();
  t.keys = allKeys;
  t.strings = allStrings;
  for (const m of metas) t.metas.push(m);
}

function readMeta(r: ByteReader, keys: Uint8Array[], strings: string[]): RowMeta {
  const at = r.pos;
  const flags = r.varint();
  if ((flags & ~META_FLAGS_KNOWN) !== 0) r.fail(`meta record has unknown flags ${flags}`, at);
  const has = (f: number) => (flags & f) !== 0;
  const routeId = has(MetaFlag.HasRouteId) ? r.varint() : null;
  const labelRef = r.index(strings.length + 1, "label string id + 1");
  const label = labelRef === 0 ? "" : strings[labelRef - 1]!;
  const start = has(MetaFlag.StartNull) ? null : keys[r.index(keys.length, "start key id")]!;
  const end = has(MetaFlag.EndNull) ? null : keys[r.index(keys.length, "end key id")]!;
  // Every row the sampler writes holds keys: registerRoute refuses start ≥ end, and buckets,
  // sub-buckets and merges only ever cover non-empty ranges.
  if (start !== null && end !== null && compareBytes(start, end) >= 0)
    r.fail("meta record's start key is not below its end key", at);
  const explicitId = has(MetaFlag.ExplicitBucketId) ? strings[r.index(strings.length, "bucket id string id")]! : null;
  let memberRoutes: number[];
  let memberRoutesTotal: number;
  if (has(MetaFlag.ExplicitMembers)) {
    const n = r.count("member count");
    memberRoutes = [];
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const p = r.pos;
      prev += r.svarint();
      if (!Number.isSafeInteger(prev) || prev < 0)
        r.fail(`member route id ${prev} is not a non-negative safe integer`, p);
      memberRoutes.push(prev);
    }
    memberRoutesTotal = r.varint();
    if (memberRoutesTotal < 1) r.fail("member route total must be at least 1", at);
  } else {
    if (routeId === null) r.fail("meta record without a route id must list its members", at);
    memberRoutes = [routeId];
    memberRoutesTotal = 1;
  }
  const groupId = r.varint();
  const subBucket = r.varint();
  const subBucketCount = r.varint();
  if (subBucketCount < 1 || subBucket >= subBucketCount)
    r.fail(`sub-bucket ${subBucket} of ${subBucketCount} is invalid`, at);
  let bucketId: string;
  if (explicitId !== null) bucketId = explicitId;
  else if (routeId === null || has(MetaFlag.Aggregate))
    return r.fail("only a plain route's bucket id can be derived", at);
  else bucketId = routeBucketId(routeId, label, subBucket, subBucketCount);
  return {
    bucketId,
    routeId,
    label,
    start,
    end,
    aggregate: has(MetaFlag.Aggregate),
    memberRoutes,
    memberRoutesTotal,
    groupId,
    subBucket,
    subBucketCount,
  };
}
