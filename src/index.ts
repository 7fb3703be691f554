// keyviz core entry: runs in Node and in browsers (no `node:` imports here or below).
// The HTTP server is Node-only and lives at "keyviz/server".

export { createSampler, Sampler } from "./sampler.js";
export type { HotKeysOptions, MatrixRequest, SamplerOptions, SamplerStats } from "./sampler.js";
export { Op, SERIES } from "./types.js";
export type { Column, Key, Row, RowMeta, Series, SeriesView } from "./types.js";

export { createRouteTable, RouteTable } from "./route-table.js";
export type { RouteRef, RouteSpec } from "./route-table.js";
export { Coordinator } from "./coordinator.js";
export type { CoordinatorOptions, CoordinatorSampler } from "./coordinator.js";
export type { GroupBackend, Mutation } from "./group-backend.js";
export { NotLeaderError } from "./group-backend.js";
export { MemoryGroup } from "./memory-group.js";
export type { MemoryGroupOptions, MemoryGroupOp } from "./memory-group.js";

export { buildMatrix } from "./matrix.js";
export { mergeMatrices } from "./merge.js";
export { decodeKey, encodeKey, MAX_ROWS, parseMatrixQuery, QueryError } from "./wire.js";
export type { FanoutStatus, Matrix, MatrixQuery, MatrixRow } from "./wire.js";
export { mergeHotKeys } from "./hotkeys/merge.js";
export type { HotKey, HotKeysResponse } from "./hotkeys/response.js";
export { asciiHeatmap, keyLabel } from "./ascii-heatmap.js";
