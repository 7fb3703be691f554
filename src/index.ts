// keyviz core entry: runs in Node and in browsers (no `node:` imports here or below).
// The HTTP server is Node-only and lives at "keyviz/server".

export { createSampler, Sampler } from "./sampler.js";
export type { SamplerOptions, SamplerStats } from "./sampler.js";
export { Op, SERIES } from "./types.js";
export type { Column, Key, Row, RowMeta, Series, SeriesView } from "./types.js";
