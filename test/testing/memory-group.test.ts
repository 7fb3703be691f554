// MemoryGroup, the in-memory group backend of `keyviz/testing`: leases, injected failures,
// leadership and terms, option checks.
import { describe, expect, it } from "vitest";
import { NotLeaderError } from "../../src/routing/group-backend.js";
import { MemoryGroup } from "../../src/testing/index.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

describe("MemoryGroup", () => {
  it("expires and renews its lease, queues failures and validates options", async () => {
    let now = 1000;
    const g = new MemoryGroup({ groupId: 3, leaseMs: 50, now: () => now });
    await g.propose([{ type: "put", key: enc("k"), value: enc("v") }]);
    expect(g.leaseValid()).toBe(true);
    now += 60;
    expect(g.leaseValid()).toBe(false);
    expect(dec(await g.leaseRead(enc("k")))).toBe("v");
    expect(g.stats.leaseRenewals).toBe(1);
    expect(g.leaseValid()).toBe(true);
    g.expireLease();
    await g.leaseRead(enc("k"));
    expect(g.stats.leaseRenewals).toBe(2);
    g.failNext("propose");
    g.failNext("propose", new RangeError("second"));
    await expect(g.propose([])).rejects.toThrow(/injected propose failure/);
    await expect(g.propose([])).rejects.toThrow("second");
    await g.propose([]);
    expect(() => g.failNext("nope" as never)).toThrow(RangeError);
    const follower = new MemoryGroup({ groupId: 4, leader: false });
    expect(follower.leaseValid()).toBe(false);
    await expect(follower.linearizableRead(enc("k"))).rejects.toBeInstanceOf(NotLeaderError);
    follower.setLeader(true);
    expect(await follower.linearizableRead(enc("k"))).toBeUndefined();
    const terms: number[] = [];
    const off = follower.onTermChange((t) => terms.push(t));
    follower.bumpTerm();
    off();
    follower.bumpTerm();
    expect(terms).toEqual([2]);
    expect(follower.term()).toBe(3);
    expect(() => new MemoryGroup({ groupId: -1 })).toThrow(RangeError);
    expect(() => new MemoryGroup({ groupId: 1, leaseMs: -5 })).toThrow(RangeError);
    expect(() => new MemoryGroup({ groupId: 1, leader: "yes" as never })).toThrow(TypeError);
  });
});
