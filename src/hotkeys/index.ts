// Hot keys (SPEC §7): per-(route, label) Space-Saving sketches of sampled writes.
export { HotKeyTracker, type HotKeysQuery, type SubBucketBounds } from "./tracker.js";
export { HOT_KEY_LIMITS, type HotKeyTrackerOptions } from "./options.js";
export { mergeHotKeys } from "./merge.js";
export { DEFAULT_TOP, MAX_TOP, type HotKey, type HotKeysResponse } from "./response.js";
export { SpaceSavingSketch, MAX_SKETCH_CAPACITY, hashBytes, type SketchEntry } from "./space-saving.js";
