// The whole view state of the page, and its round trip through the URL fragment.
//
// The fragment (not the query) holds it: it never reaches a server, it works from file://, and
// changing it does not reload the page. Credentials are never part of the state.
import { SERIES, type Series } from "../types.js";
import { isBase64Key } from "../wire/encoding.js";

export type Refresh = "live" | "off" | "5s" | "30s";
import type { Palette } from "../paint/palette.js";
import type { Scale } from "../paint/scale.js";

export type { Palette, Scale };
export type View = "heat" | "diff";
export type Source = "live" | "file";

/** A time window `[fromMs, toMs]` over column times (inclusive both ends). */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

/** A key window: rows overlapping `[start, end)`; base64 keys, `null` = lowest / unbounded. */
export interface KeyWindow {
  start: string | null;
  end: string | null;
}

export interface ViewState {
  source: Source;
  series: Series;
  /** Row budget, 1..1024. */
  rows: number;
  refresh: Refresh;
  scale: Scale;
  /** Colour-scale gain: the value that saturates is max / brightness. */
  brightness: number;
  palette: Palette;
  view: View;
  /** Brush zoom; absent = everything. */
  time?: TimeWindow;
  keys?: KeyWindow;
  /** Difference view windows (A − B). */
  diffA?: TimeWindow;
  diffB?: TimeWindow;
  /** File mode: re-bucketing step in ms (0 = the file's own step) and replay cursor/speed. */
  stepMs: number;
  cursorMs?: number;
  speed: number;
}

export const SPEEDS = [1, 10, 60, 100, 300, 1000] as const;
export const MIN_BRIGHTNESS = 0.25;
export const MAX_BRIGHTNESS = 16;

export function defaultState(): ViewState {
  return {
    source: "live",
    series: "writes",
    rows: 1024,
    refresh: "live",
    scale: "log",
    brightness: 1,
    palette: "viridis",
    view: "heat",
    stepMs: 0,
    speed: 60,
  };
}

const SOURCES: readonly Source[] = ["live", "file"];
const REFRESHES: readonly Refresh[] = ["live", "off", "5s", "30s"];
const SCALES: readonly Scale[] = ["log", "linear"];
const PALETTES: readonly Palette[] = ["viridis", "reference"];
const VIEWS: readonly View[] = ["heat", "diff"];

function pick<T extends string>(options: readonly T[], raw: string | null, fallback: T): T {
  return raw !== null && (options as readonly string[]).includes(raw) ? (raw as T) : fallback;
}

function intIn(raw: string | null, lo: number, hi: number, fallback: number): number {
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : fallback;
}

function timeWindow(raw: string | null): TimeWindow | undefined {
  const m = raw === null ? null : /^(-?\d+)\.(-?\d+)$/.exec(raw);
  if (m === null) return undefined;
  const fromMs = Number(m[1]);
  const toMs = Number(m[2]);
  return Number.isSafeInteger(fromMs) && Number.isSafeInteger(toMs) && fromMs <= toMs ? { fromMs, toMs } : undefined;
}

// Keys travel as base64 in the fragment; "_" stands for null (lowest / unbounded). A key that is
// not standard base64 with its padding (`abc`) is refused here: decoding it later would throw.
function keyWindow(raw: string | null): KeyWindow | undefined {
  if (raw === null) return undefined;
  const parts = raw.split(".");
  if (parts.length !== 2 || !parts.every((p) => p === "_" || (p !== "" && isBase64Key(p)))) return undefined;
  const [start, end] = parts.map((p) => (p === "_" ? null : p)) as [string | null, string | null];
  return { start, end };
}

/** Reads a state from a URL fragment (with or without `#`); anything invalid falls back to the default. */
export function decodeState(hash: string): ViewState {
  const p = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const d = defaultState();
  const brightness = Number(p.get("b"));
  const s: ViewState = {
    source: pick(SOURCES, p.get("src"), d.source),
    series: pick(SERIES, p.get("series"), d.series),
    rows: intIn(p.get("rows"), 1, 1024, d.rows),
    refresh: pick(REFRESHES, p.get("refresh"), d.refresh),
    scale: pick(SCALES, p.get("scale"), d.scale),
    brightness:
      Number.isFinite(brightness) && brightness >= MIN_BRIGHTNESS && brightness <= MAX_BRIGHTNESS
        ? brightness
        : d.brightness,
    palette: pick(PALETTES, p.get("pal"), d.palette),
    view: pick(VIEWS, p.get("view"), d.view),
    stepMs: intIn(p.get("step"), 0, 366 * 86_400_000, d.stepMs),
    speed: intIn(p.get("speed"), 1, 1000, d.speed),
  };
  const time = timeWindow(p.get("t"));
  if (time) s.time = time;
  const keys = keyWindow(p.get("k"));
  if (keys) s.keys = keys;
  const a = timeWindow(p.get("a"));
  if (a) s.diffA = a;
  const b = timeWindow(p.get("bw"));
  if (b) s.diffB = b;
  const cursor = Number(p.get("at") ?? NaN);
  if (p.has("at") && Number.isSafeInteger(cursor)) s.cursorMs = cursor;
  return s;
}

const win = (w: TimeWindow): string => `${w.fromMs}.${w.toMs}`;

/** Writes a state as a URL fragment (without `#`); defaults are left out to keep links short. */
export function encodeState(s: ViewState): string {
  const d = defaultState();
  const p = new URLSearchParams();
  if (s.source !== d.source) p.set("src", s.source);
  if (s.series !== d.series) p.set("series", s.series);
  if (s.rows !== d.rows) p.set("rows", String(s.rows));
  if (s.refresh !== d.refresh) p.set("refresh", s.refresh);
  if (s.scale !== d.scale) p.set("scale", s.scale);
  if (s.brightness !== d.brightness) p.set("b", String(s.brightness));
  if (s.palette !== d.palette) p.set("pal", s.palette);
  if (s.view !== d.view) p.set("view", s.view);
  if (s.time) p.set("t", win(s.time));
  if (s.keys) p.set("k", `${s.keys.start ?? "_"}.${s.keys.end ?? "_"}`);
  if (s.diffA) p.set("a", win(s.diffA));
  if (s.diffB) p.set("bw", win(s.diffB));
  if (s.stepMs !== d.stepMs) p.set("step", String(s.stepMs));
  if (s.cursorMs !== undefined) p.set("at", String(s.cursorMs));
  if (s.speed !== d.speed) p.set("speed", String(s.speed));
  return p.toString();
}
