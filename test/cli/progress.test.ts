import { describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/progress.js";

function fakeOut(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns: 80, write: (s: string) => writes.push(s) > 0 } };
}

describe("progressBar", () => {
  it("draws nothing when the stream is not a terminal", () => {
    const { writes, out } = fakeOut(false);
    const p = progressBar("recording", 10, out);
    p.update(5);
    p.done();
    expect(writes).toEqual([]);
  });

  it("redraws one line at most every 100 ms and ends at 100 % with a newline", () => {
    const { writes, out } = fakeOut(true);
    let t = 0;
    const p = progressBar("recording", 10, out, () => t);
    p.update(1);
    p.update(2); // same instant: skipped
    t = 150;
    p.update(5);
    p.done();
    expect(writes).toHaveLength(4);
    // "\r" returns to the line start, ESC [K clears the rest of the line.
    const lines = writes.map((w) => w.replaceAll("\u001b[K", "<clear>"));
    expect(lines[0]).toMatch(/^\rrecording \[#*-+\] 10% eta \d+s<clear>$/);
    expect(lines[1]).toMatch(/\] 50% eta 1s/);
    expect(lines[2]).toMatch(/^\rrecording \[#+\] 100%<clear>$/);
    expect(lines[3]).toBe("\n");
  });
});
