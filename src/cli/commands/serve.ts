// `keyviz serve FILE.kvz [--port N]`: the viewer and the matrix API over a recording, on loopback.
// The recording answers matrix queries through openHistory (the same builder as a live sampler),
// so the page's live mode shows it; no column is ever flushed, so the stream stays quiet.
import type { Replay } from "../../history/replay.js";
import { createServer } from "../../server/index.js";
import type { SamplerPort } from "../../server/sampler-port.js";
import { intFlag, type Command, type Parsed } from "../command.js";
import { listenOrExplain, stopSignal } from "../serve-loop.js";
import { openRecording } from "../read-history.js";

export const DEFAULT_SERVE_PORT = 8080;

export const serveCommand: Command = {
  name: "serve",
  summary: "Serve the viewer and the matrix API over a recorded .kvz file on 127.0.0.1.",
  args: "FILE.kvz",
  positionals: { min: 1, max: 1 },
  flags: {
    port: {
      type: "string",
      arg: "N",
      help: `HTTP port on 127.0.0.1 (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)`,
    },
    duration: { type: "string", arg: "S", help: "stop after S seconds (default: run until Ctrl-C)" },
  },
  run: (parsed) => runServe(parsed),
};

/** The server's view of a recording: matrices from the replay; nothing is ever flushed. */
export function recordingPort(replay: Replay): SamplerPort {
  return {
    matrix: (q) => replay.matrix({ series: q.series, fromMs: q.fromMs, toMs: q.toMs, rows: q.rows }),
    onFlush: () => () => {},
  };
}

async function runServe(parsed: Parsed): Promise<number> {
  const file = parsed.positionals[0]!;
  const port = intFlag(parsed, "port", DEFAULT_SERVE_PORT, 0, 65535);
  const duration = intFlag(parsed, "duration", 0, 1, 86_400 * 365);
  const { replay } = await openRecording(file);
  const server = createServer({ sampler: recordingPort(replay), port });
  const url = await listenOrExplain(server, port);
  console.log(
    `keyviz serve: ${file} (${replay.columns.length} columns, ${replay.routes.length} routes) at ${url} (Ctrl-C to stop)`,
  );
  await stopSignal(duration * 1000);
  await server.close();
  console.log("keyviz serve: stopped");
  return 0;
}
