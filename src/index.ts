// keyviz core entry: runs in Node and in browsers (no `node:` imports here or below).
// The HTTP server is Node-only and lives at "keyviz/server".

export { createSampler, Sampler } from "./sampler/sampler.js";
export type { HotKeysOptions, MatrixRequest, SamplerOptions, SamplerStats } from "./sampler/sampler.js";
export { attachSampler, SharedObserver } from "./sampler/shared/observer.js";
export type { SharedSamplerOptions, WorkerHandle, WorkerMisses } from "./sampler/sampler.js";
export type { HotKeysRequest } from "./types.js";
export { Op, SERIES } from "./types.js";
export type { Column, Key, Row, RowMeta, Series, SeriesView } from "./types.js";

export { createRouteTable, RouteTable } from "./routing/route-table.js";
export type { RouteRef, RouteSpec } from "./routing/route-table.js";
export { Coordinator } from "./routing/coordinator.js";
export { attachCoordinator, SharedRouter } from "./routing/attach-coordinator.js";
export type { CoordinatorWorkerHandle } from "./routing/attach-coordinator.js";
export type { CoordinatorOptions, CoordinatorSampler, ReadPool } from "./routing/coordinator.js";
export type { GroupBackend, Mutation } from "./routing/group-backend.js";
export { NotLeaderError } from "./routing/group-backend.js";

export { openHistory } from "./history/replay.js";
export type { Replay, ReplayMatrixRequest, ReplayRoute } from "./history/replay.js";
export { HistoryFormatError } from "./history/format-error.js";

export { buildMatrix } from "./matrix/build.js";
export { mergeMatrices } from "./matrix/merge.js";
export { decodeKey, encodeKey, hotKeysProblem, matrixProblem, MAX_ROWS, parseMatrixQuery } from "./wire/wire.js";
export type { FanoutStatus, IncomingMatrix, IncomingRow, Matrix, MatrixQuery, MatrixRow } from "./wire/wire.js";
export { ERROR_STATUS, KeyvizError, QueryError, type ErrorCode } from "./errors.js";
export type { Logger } from "./logger.js";
export { mergeHotKeys } from "./hotkeys/merge.js";
export type { HotKey, HotKeysResponse } from "./hotkeys/response.js";
export { asciiHeatmap } from "./cli/ascii-heatmap.js";
export { keyLabel } from "./wire/encoding.js";
