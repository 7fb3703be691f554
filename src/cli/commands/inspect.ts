// `keyviz inspect FILE.kvz`: what a recording holds — format version, step, time span, routes,
// columns, stored cells and bytes per cell — from one validating open.
import type { Replay } from "../../history/replay.js";
import { type Command, type Parsed } from "../command.js";
import { openRecording } from "../read-history.js";

export const inspectCommand: Command = {
  name: "inspect",
  summary: "Describe a .kvz recording: version, span, routes, columns, size per stored cell.",
  args: "FILE.kvz",
  positionals: { min: 1, max: 1 },
  flags: {},
  run: (parsed) => runInspect(parsed),
};

/** The lines `keyviz inspect` prints. */
export function describeRecording(bytes: Uint8Array, replay: Replay): string[] {
  // docs/format.md: the header is the 8-byte magic, then major and minor as little-endian u16.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = `${view.getUint16(8, true)}.${view.getUint16(10, true)}`;
  const cells = replay.snapshot().reduce((n, c) => n + c.rows.length, 0);
  const virtual = replay.routes.filter((r) => r.routeId === null).length;
  const time = (ms: number) => (replay.columns.length === 0 ? "-" : new Date(ms).toISOString());
  return [
    `format   .kvz ${version}`,
    `step     ${replay.stepMs} ms`,
    `span     ${time(replay.fromMs)} .. ${time(replay.toMs)} (${Math.round((replay.toMs - replay.fromMs) / 1000)} s)`,
    `columns  ${replay.columns.length}`,
    `routes   ${replay.routes.length - virtual}${virtual > 0 ? ` (+ ${virtual} virtual buckets)` : ""}`,
    `cells    ${cells} (one row of one column, all four series)`,
    `size     ${bytes.length} bytes, ${cells === 0 ? "-" : (bytes.length / cells).toFixed(2)} bytes per cell`,
  ];
}

async function runInspect(parsed: Parsed): Promise<number> {
  const file = parsed.positionals[0]!;
  const { bytes, replay } = await openRecording(file);
  console.log([file, ...describeRecording(bytes, replay).map((l) => `  ${l}`)].join("\n"));
  return 0;
}
