import { describe, expect, it } from "vitest";
import { ArenaFull, MAX_PAGES, PAGE, pagesToMove, WasmArena } from "../../src/wasm/arena.js";

describe("WasmArena", () => {
  it("bumps 16-byte aligned pointers and never grows its memory: past it, ArenaFull and nothing taken", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const buffer = memory.buffer;
    const arena = new WasmArena(memory, 8);
    expect([arena.alloc(1), arena.alloc(20), arena.mark()]).toEqual([8, 24, 56]);
    expect(arena.fits(65536 - 64)).toBe(true); // 65 472 bytes from 56: top 65 528
    expect(arena.fits(65536 - 56)).toBe(false); // rounded up to 65 488: one block too many
    let thrown: unknown;
    try {
      arena.alloc(65536);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ArenaFull);
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as ArenaFull).neededBytes).toBe(56 + 65536);
    expect((thrown as Error).message).toBe("needs 65592 bytes of Wasm memory, the instance has 65536");
    expect(arena.mark()).toBe(56);
    expect(memory.buffer).toBe(buffer);
    arena.release(24);
    expect(arena.alloc(16)).toBe(24);
    expect(() => arena.release(4)).toThrow(RangeError);
  });

  it("an owner moving to a bigger memory takes at least double, what it needs, at most 4 GiB, or nothing at the bound", () => {
    expect(pagesToMove(10 * PAGE, 11 * PAGE)).toBe(20);
    expect(pagesToMove(10 * PAGE, 50 * PAGE + 1)).toBe(51);
    expect(pagesToMove(40_000 * PAGE, 41_000 * PAGE)).toBe(MAX_PAGES);
    expect(pagesToMove(MAX_PAGES * PAGE, (MAX_PAGES + 1) * PAGE)).toBe(0);
  });
});
