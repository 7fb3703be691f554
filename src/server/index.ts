// Public entry of `keyviz/server` (Node only).
export { createServer, API_PREFIX, HEALTH_PATH, type KeyvizServer } from "./create-server.js";
export type { ServerOptions } from "./options.js";
export type { SamplerPort, HotKeysRequest } from "./sampler-port.js";
export type { ColumnEvent, ColumnEventRow } from "./column-event.js";
export { MATRIX_PATH } from "./matrix-handler.js";
export { HOTKEYS_PATH } from "./hotkeys-handler.js";
export { STREAM_PATH } from "./stream-handler.js";
export { EXPORT_PATH } from "./export-handler.js";
export { FANOUT_PEER_HEADER } from "./peer-client.js";
