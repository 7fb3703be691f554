// `keyviz render FILE.kvz --out heatmap.png|.html`: a recording as a static PNG (the viewer's
// painter and colours, through pngjs) or as the viewer page with the recording inlined.
import { extname } from "node:path";
import pngjs from "pngjs";
import { SERIES, type Series } from "../../types.js";
import { choiceFlag, CliError, intFlag, stringFlag, UsageError, type Command, type Parsed } from "../command.js";
import { heatmapImage } from "../heatmap-image.js";
import { openRecording } from "../read-history.js";
import { standalonePage } from "../standalone-page.js";
import { reportWritten, writeOutput } from "../write-output.js";

export const renderCommand: Command = {
  name: "render",
  summary: "Draw a recording as a PNG heatmap, or as a self-contained HTML viewer that opens from disk.",
  args: "FILE.kvz",
  positionals: { min: 1, max: 1 },
  flags: {
    out: { type: "string", arg: "FILE", help: "where to write: a .png image or an .html page (required)" },
    series: { type: "string", arg: "NAME", help: `one of ${SERIES.join(", ")} (default writes)` },
    rows: { type: "string", arg: "N", help: "row budget: adjacent quiet rows merge down to N (default 1024)" },
    from: { type: "string", arg: "TIME", help: "first column: unix ms or an ISO 8601 time (default: the start)" },
    to: { type: "string", arg: "TIME", help: "end of the window, exclusive (default: the end)" },
    width: { type: "string", arg: "PX", help: "PNG: at most this wide (default 1200)" },
    height: { type: "string", arg: "PX", help: "PNG: at most this high (default 600)" },
  },
  run: (parsed) => runRender(parsed),
};

async function runRender(parsed: Parsed): Promise<number> {
  const file = parsed.positionals[0]!;
  const out = stringFlag(parsed, "out");
  if (out === undefined) throw new UsageError("render: --out FILE is required (a .png or .html path)");
  const kind = extname(out).toLowerCase();
  if (kind !== ".png" && kind !== ".html")
    throw new UsageError(`render: --out must end in .png or .html, got "${out}"`);
  const series: Series = choiceFlag(parsed, "series", SERIES, "writes");
  const rows = intFlag(parsed, "rows", 1024, 1, 1024);
  const fromMs = timeFlag(parsed, "from");
  const toMs = timeFlag(parsed, "to");
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
    throw new UsageError(`render: --from must be before --to (the window is [from, to))`);
  const maxWidth = intFlag(parsed, "width", 1200, 16, 16_384);
  const maxHeight = intFlag(parsed, "height", 600, 16, 16_384);

  const { bytes, replay } = await openRecording(file);
  if (kind === ".html") {
    const page = await standalonePage(bytes, { series, rows, fromMs, toMs: toMs === undefined ? undefined : toMs - 1 });
    const delivery = await writeOutput(out, page);
    reportWritten(
      delivery,
      `keyviz render: wrote ${out} (viewer page with ${replay.columns.length} columns inlined, ${Buffer.byteLength(page)} bytes)`,
    );
    return 0;
  }
  const m = replay.matrix({ series, rows, fromMs, toMs });
  if (m.column_unix_ms.length === 0) throw new CliError(`${file}: no columns in the chosen window, nothing to draw`);
  const image = heatmapImage(m, { maxWidth, maxHeight });
  const png = pngjs.PNG.sync.write({
    width: image.width,
    height: image.height,
    data: Buffer.from(image.data.buffer),
  } as pngjs.PNG);
  const delivery = await writeOutput(out, png);
  reportWritten(
    delivery,
    `keyviz render: wrote ${out} (${image.width}×${image.height}, ${m.rows.length} rows × ${m.column_unix_ms.length} columns of ${series})`,
  );
  return 0;
}

/** A time flag: unix milliseconds or anything Date.parse reads (ISO 8601). */
function timeFlag(parsed: Parsed, name: string): number | undefined {
  const raw = stringFlag(parsed, name);
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw new UsageError(`--${name} must be unix milliseconds or an ISO 8601 time, got "${raw}"`);
  return ms;
}
