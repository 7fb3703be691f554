// How the server slices long fan-out work (merging peers' matrices, writing the merged answer):
// about 10 ms of work per turn of the event loop, then `setImmediate`, so requests of other
// clients (and timers, stream frames) get in between. 10 ms keeps another client's wait under
// a frame of the viewer while the extra turns cost the big answer little (measured in
// bench/fanout-stall.mjs). One object, so a test can replace it (and hold the pauses).
import type { Slicing } from "../matrix/merge-sliced.js";

export const FANOUT_SLICING: Slicing = {
  sliceMs: 10,
  pause: () => new Promise<void>((resolve) => setImmediate(resolve)),
};
