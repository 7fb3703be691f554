// File mode: a recorded `.kvz` history opened in the browser with the core's `openHistory` (the
// same Wasm matrix code as the server), behind the few members the page uses.
import { peekColumns, readFileInfo } from "../../history/kvz-reader.js";
import { openHistory, type Replay } from "../../history/replay.js";
import type { Series } from "../../types.js";
import type { Matrix } from "../../wire/wire.js";
import { gridFromMatrix, type Grid } from "./grid.js";

/** What the page needs of an open recording. */
export interface ReplaySource {
  /** The step it was recorded at. */
  readonly stepMs: number;
  /** Its columns as recorded (it may be kept summed at a coarser step). */
  readonly columnCount: number;
  readonly fromMs: number;
  readonly toMs: number;
  matrix(q?: { series?: Series; fromMs?: number; toMs?: number; rows?: number; stepMs?: number }): Matrix;
}

/** Opens a recording; throws (HistoryFormatError) with a message naming the offset and the fault. */
export function openRecording(bytes: Uint8Array): ReplaySource {
  return new Recording(bytes);
}

/**
 * A recording kept at the step it opens at (`openingStep`): a day at 1 s of 1 024 routes is
 * 2.1 GB of cells as recorded, ~100 MB summed to 30 s. A finer step is opened from the bytes
 * when the page asks for one, and kept only while the page shows it.
 */
class Recording implements ReplaySource {
  readonly stepMs: number;
  readonly columnCount: number;
  readonly fromMs: number;
  readonly toMs: number;
  private readonly opened: Replay;
  private finer: Replay | null = null;

  constructor(private readonly bytes: Uint8Array) {
    const info = readFileInfo(bytes, "export");
    // Null for a damaged file: opened whole, openHistory then says what is wrong with it.
    const peek = peekColumns(bytes);
    const level = peek === null ? 0 : openingStep({ stepMs: info.stepMs, columnCount: peek.columns, ...peek });
    this.opened = openHistory(bytes, level > 0 ? { stepMs: level } : {});
    this.stepMs = this.opened.stepMs;
    this.columnCount = peek?.columns ?? this.opened.columns.length;
    this.fromMs = this.opened.fromMs;
    this.toMs = this.opened.toMs;
  }

  matrix(q: Parameters<ReplaySource["matrix"]>[0] = {}): Matrix {
    const step = q.stepMs ?? this.stepMs;
    if (step % this.opened.levelMs === 0) {
      this.finer = null; // back at the opening step: a full copy is not held for later
      return this.opened.matrix(q);
    }
    if (this.finer?.levelMs !== step) {
      this.finer = null; // before the next open: two full copies need not fit at once
      this.finer = openHistory(this.bytes, { stepMs: step });
    }
    return this.finer.matrix(q);
  }
}

/** The grid of a recording, re-aggregated to `rows` and `stepMs` (0 = the recorded step) in Wasm. */
export function recordingGrid(replay: ReplaySource, series: Series, rows: number, stepMs: number): Grid {
  const q: { series: Series; rows: number; stepMs?: number } = { series, rows };
  if (stepMs > 0 && stepMs !== replay.stepMs) q.stepMs = stepMs;
  return gridFromMatrix(replay.matrix(q));
}

/** Re-aggregation steps offered for a recording: its own step and round multiples of it. */
export function stepChoices(baseMs: number): number[] {
  const out = [baseMs];
  for (const m of [2, 5, 10, 15, 30, 60, 120, 300, 600, 1440]) {
    const s = baseMs * m;
    if (s <= 86_400_000 * 7) out.push(s);
  }
  return out;
}

/**
 * Columns a recording opens with at most. At its own step a day at 1 s is 86 400 columns: the
 * page froze for half a minute building that grid (2.9 GB at 1 024 rows); past this it opens at
 * the finest offered step that fits, and a finer one stays a choice in the Step menu.
 */
export const OPEN_COLUMNS = 2880;

/** The step a recording opens at: 0 (its own) when its columns fit `OPEN_COLUMNS`. */
export function openingStep(replay: Pick<ReplaySource, "stepMs" | "columnCount" | "fromMs" | "toMs">): number {
  if (replay.columnCount <= OPEN_COLUMNS) return 0;
  const span = replay.toMs - replay.fromMs;
  const choices = stepChoices(replay.stepMs);
  return choices.find((s) => span / s <= OPEN_COLUMNS) ?? choices[choices.length - 1]!;
}

/** Reads a dropped or picked file. */
export async function fileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

/** Bytes inlined into a self-contained page (`<script id="keyviz-data" type="application/octet-stream">` base64). */
export function inlinedRecording(): Uint8Array | null {
  const el = document.getElementById("keyviz-data");
  const text = el?.textContent?.trim() ?? "";
  if (text === "") return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
