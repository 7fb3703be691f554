// What serve and demo wait on (src/cli/serve-loop.ts): the end of --duration, however long.
import { afterEach, describe, expect, it, vi } from "vitest";
import { stopSignal } from "../../src/cli/serve-loop.js";

const DAY_MS = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe("stopSignal", () => {
  it.each([30, 365])(
    "a --duration of %i days, past setTimeout's 2^31-1 ms (24.8 days), ends at its end and not before",
    async (days) => {
      vi.useFakeTimers(); // they fire an over-long timeout at once, as Node does
      const durationMs = days * DAY_MS;
      let stopped = false;
      void stopSignal(durationMs).then(() => (stopped = true));
      await vi.advanceTimersByTimeAsync(durationMs - 1);
      expect(stopped).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(stopped).toBe(true);
    },
  );
});
