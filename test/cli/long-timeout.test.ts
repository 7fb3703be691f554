// setLongTimeout (src/cli/long-timeout.ts): delays past setTimeout's limit, and cancelling them.
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMEOUT_MS, setLongTimeout } from "../../src/cli/long-timeout.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("setLongTimeout", () => {
  it("fires once, at the delay, for delays up to and past one timer's limit", () => {
    vi.useFakeTimers();
    for (const ms of [1, MAX_TIMEOUT_MS, MAX_TIMEOUT_MS + 1, 3 * MAX_TIMEOUT_MS + 5]) {
      const fn = vi.fn();
      setLongTimeout(fn, ms);
      vi.advanceTimersByTime(ms - 1);
      expect(fn).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fn).toHaveBeenCalledOnce();
      vi.advanceTimersByTime(4 * MAX_TIMEOUT_MS);
      expect(fn).toHaveBeenCalledOnce();
    }
  });

  it("is cancelled even after it has re-armed", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const cancel = setLongTimeout(fn, 2 * MAX_TIMEOUT_MS);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 10);
    cancel();
    vi.advanceTimersByTime(2 * MAX_TIMEOUT_MS);
    expect(fn).not.toHaveBeenCalled();
  });
});
