// docs/format.md's hex example is the real output of the encoder for this history, and a
// reader decodes it to the documented rows: the document cannot drift from the code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportBytes } from "../../src/history/export.js";
import { openHistory } from "../../src/history/replay.js";
import { createSampler } from "../../src/sampler/sampler.js";
import { enc } from "../helpers.js";
import { historyOf } from "./history-file.js";

/** One route [a, m) in group 7 at term 3; one column (60 s) with 1 read of "b" and 2 writes. */
function exampleFile(): Uint8Array {
  let now = 1_700_000_000_000;
  const s = createSampler({ stepMs: 60_000, now: () => now });
  s.registerRoute(1, enc("a"), enc("m"), 7);
  s.setLeaderTerm(7, 3);
  now += 60_000;
  s.observeKey(1, 0, enc("b"));
  s.observeKey(1, 1, enc("c"), 10);
  s.observeKey(1, 1, enc("d"), 12);
  s.flush();
  return exportBytes(historyOf(s), s.stepMs, {}, now);
}

/** The bytes of the example in docs/format.md: hex pairs before each `#` comment. */
function documentedBytes(): Uint8Array {
  const doc = readFileSync(new URL("../../docs/format.md", import.meta.url), "utf8");
  const block = /<!-- example:start -->\s*```text\n([\s\S]*?)```\s*<!-- example:end -->/.exec(doc);
  if (block === null) throw new Error("docs/format.md has no example block");
  const hex = block[1]!
    .split("\n")
    .map((line) => line.split("#")[0]!.split("|").pop()!.trim())
    .join(" ")
    .split(/\s+/)
    .filter(Boolean);
  return Uint8Array.from(hex, (h) => parseInt(h, 16));
}

describe("docs/format.md", () => {
  it("shows the encoder's real bytes for its example, and they decode to the documented row", () => {
    const bytes = exampleFile();
    expect(Buffer.from(documentedBytes()).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
    const column = openHistory(bytes).snapshot()[0]!;
    expect(column.windowStartMs).toBe(1_700_000_000_000);
    expect(column.atMs).toBe(1_700_000_060_000);
    expect(column.rows).toHaveLength(1);
    expect(column.rows[0]).toMatchObject({
      bucketId: "route:1",
      groupId: 7,
      leaderTerm: 3,
      reads: 1,
      writes: 2,
      readBytes: 1,
      writeBytes: 24,
    });
  });
});
