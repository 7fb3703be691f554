// The wire format of the matrix API (SPEC §5), one concept per file:
//   types.ts     the JSON types (what a node sends, what a peer may send)
//   encoding.ts  keys as standard base64, times as RFC 3339
//   query.ts     the query rules and the shared 64-bit integer grammar
//   row.ts       row assembly with the omission rules
//   validate.ts  the one validator for everything that arrives from the network
// This file re-exports them so callers import the wire from one place.
export * from "./types.js";
export * from "./encoding.js";
export * from "./query.js";
export * from "./row.js";
export * from "./validate.js";
export { QueryError } from "../errors.js";
