// The viewer's controller: one view state (mirrored in the URL fragment), one data grid (live
// from the API and its stream, or re-aggregated from a recording), and the plot drawn from both.
// (Past 400 lines: it is the one place where every control meets the view state; what stands alone —
// data sources, the grid, controls, replay, hover detail, the plot — is already in data/ and ui/.)
import { diffGrid, halves } from "./data/diff.js";
import {
  fileBytes,
  inlinedRecording,
  openRecording,
  openingStep,
  recordingGrid,
  stepChoices,
  type ReplaySource,
} from "./data/file.js";
import { appendColumn, resolveWindow, type Grid } from "./data/grid.js";
import { HttpError } from "./data/api.js";
import { fetchGrid, openStream, type StreamState } from "./data/live.js";
import type { ColumnEvent } from "../server/column-event.js";
import { formatCount } from "../paint/scale.js";
import { decodeState, encodeState, type ViewState } from "./state.js";
import { describeCell } from "./ui/detail.js";
import { bindControls, syncControls, type Controls } from "./ui/controls.js";
import { byId, copyText, flashLabel, h, kvList } from "./ui/dom.js";
import { Interaction } from "./ui/interact.js";
import { LoginForm } from "./ui/login.js";
import { labelsShown, Pins } from "./ui/pins.js";
import { PlotView } from "./ui/plot.js";
import { ReplayBar } from "./ui/replay.js";

/** Live columns kept beyond what the last fetch returned (a day of 1-minute columns). */
const MIN_LIVE_COLUMNS = 1440;

export class App {
  private state: ViewState = decodeState(location.hash);
  private grid: Grid | null = null;
  private shown: Grid | null = null;
  private replay: ReplaySource | null = null;
  private fileName = "";
  private zoomStack: Pick<ViewState, "time" | "keys">[] = [];
  private stopRefresh: (() => void) | null = null;
  /** The series the stream was opened for (a stream carries one series). */
  private streamSeries: string | null = null;
  private streamState: StreamState | "off" = "off";
  private fetching = 0;
  /** The first fetch failed with nothing on screen: tries so far, and the pending retry. */
  private firstLoadFailures = 0;
  private firstLoadRetry: ReturnType<typeof setTimeout> | undefined;
  private pending: ColumnEvent[] = [];
  private urlTimer: ReturnType<typeof setTimeout> | undefined;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly plot = new PlotView();
  private readonly pins = new Pins();
  private readonly login = new LoginForm();
  private readonly hover = byId("hover");
  private readonly controls: Controls;
  private readonly replayBar = new ReplayBar({
    cursor: (i) => this.moveCursor(i),
    speed: (speed) => this.update({ speed }, "url"),
  });
  private readonly interaction = new Interaction(this.plot, {
    hover: (cell, x, y) => this.showHover(cell, x, y),
    pin: (r, c) => this.pin(r, c),
    zoom: (r0, r1, c0, c1) => this.zoomTo(r0, r1, c0, c1),
    back: () => this.back(),
    reset: () => this.resetZoom(),
  });

  constructor() {
    this.controls = bindControls({
      change: (patch, effect) => this.update(patch, effect),
      reload: () => void this.reload(),
      back: () => this.back(),
      reset: () => this.resetZoom(),
      openFile: (f) => void this.openFile(f),
      goLive: () => this.goLive(),
      diffHalves: () => this.setDiffHalves(),
      replayToggle: () => this.replayBar.toggle(),
      replayStep: (n) => this.replayBar.step(n),
      // The view lives in the URL: where the page may not write the clipboard, the address bar has it.
      copyLink: () =>
        void copyText(location.href).then((ok) =>
          flashLabel(byId("copy-link"), ok ? "Copied" : "Copy it from the address bar"),
        ),
    });
    window.addEventListener("hashchange", () => {
      if (location.hash.slice(1) === encodeState(this.state)) return;
      const next = decodeState(location.hash);
      const refetch =
        next.series !== this.state.series || next.rows !== this.state.rows || next.stepMs !== this.state.stepMs;
      const resubscribe = next.refresh !== this.state.refresh;
      this.state = { ...next, source: this.state.source };
      syncControls(this.controls, this.state, this.replay);
      if (refetch) void this.reload();
      else if (resubscribe) this.setupRefresh();
      else this.render();
    });
    window.addEventListener("resize", () => this.render());
  }

  start(): void {
    syncControls(this.controls, this.state, null);
    let inline: Uint8Array | null;
    try {
      inline = inlinedRecording();
    } catch {
      inline = null;
      this.showMessage("The recording embedded in this page is damaged (not base64); open a .kvz file instead.");
    }
    if (inline !== null) return this.openBytes(inline, "embedded recording");
    if (location.protocol === "file:" || this.state.source === "file") {
      this.state.source = "file";
      syncControls(this.controls, this.state, null);
      return this.setEmpty(
        `Open a recorded .kvz file (button above, or drop it on the page) to replay it here.${location.protocol === "file:" ? "" : " Or go back to the live view."}`,
      );
    }
    void this.reload();
  }

  /** Applies a state change; `effect` says what it invalidates. */
  private update(patch: Partial<ViewState>, effect: "render" | "data" | "refresh" | "url"): void {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (this.state as unknown as Record<string, unknown>)[k];
      else (this.state as unknown as Record<string, unknown>)[k] = v;
    }
    syncControls(this.controls, this.state, this.replay);
    this.writeUrl(false);
    if (effect === "data") void this.reload();
    else if (effect === "refresh") this.setupRefresh();
    else if (effect === "render") this.render();
  }

  /** Mirrors the state into the fragment; replay steps are throttled (browsers rate-limit history calls). */
  private writeUrl(throttle: boolean): void {
    const write = (): void => {
      this.urlTimer = undefined;
      const hash = `#${encodeState(this.state)}`;
      if (location.hash !== hash && !(hash === "#" && location.hash === "")) history.replaceState(null, "", hash);
    };
    if (!throttle) {
      clearTimeout(this.urlTimer);
      return write();
    }
    this.urlTimer ??= setTimeout(write, 300);
  }

  private async reload(): Promise<void> {
    if (this.state.source === "file") {
      if (this.replay === null) return;
      this.grid = recordingGrid(this.replay, this.state.series, this.state.rows, this.state.stepMs);
      const times = this.grid.times;
      let at = this.state.cursorMs === undefined ? times.length - 1 : times.findIndex((t) => t >= this.state.cursorMs!);
      if (at < 0) at = times.length - 1;
      this.replayBar.show(times, Math.max(0, at), this.state.speed);
      this.state.cursorMs = times[at];
      return this.render();
    }
    const seq = ++this.fetching;
    try {
      const grid = await fetchGrid(this.state.series, this.state.rows);
      if (seq !== this.fetching || this.state.source !== "live") return;
      this.firstLoadFailures = 0;
      this.showMessage(null);
      this.grid = grid;
      for (const ev of this.pending.splice(0)) this.grid = appendColumn(this.grid, ev, this.columnCap()) ?? this.grid;
      this.render();
      // A stream carries one series: another series needs another stream.
      if (this.stopRefresh === null || (this.streamSeries !== null && this.streamSeries !== this.state.series))
        this.setupRefresh();
    } catch (e) {
      if (seq !== this.fetching) return;
      this.handleLiveError(e);
      this.retryFirstLoad(e);
    } finally {
      if (seq === this.fetching) this.fetching = 0;
    }
  }

  private handleLiveError(e: unknown): void {
    if (e instanceof HttpError && e.status === 401) {
      this.stop();
      this.showMessage("This server needs credentials.", true);
      if (!this.login.open) this.login.show(() => void this.reload());
    } else if (e instanceof HttpError && e.code === "keyviz_disabled") {
      this.showMessage("The key visualizer is disabled on this server (no sampler is attached).", true);
    } else if (e instanceof HttpError) this.showMessage(`The server answered ${e.status} ${e.code}: ${e.message}`);
    else this.showMessage(`Cannot load the matrix: ${(e as Error).message}`);
  }

  /**
   * Before anything is on screen there is no stream or timer to try again: a failed first fetch
   * (server not up yet, a proxy's 502) is retried after 1 s, 2 s, … up to 30 s, unless the page
   * asks to sign in or refreshes only by hand.
   */
  private retryFirstLoad(e: unknown): void {
    const signIn = e instanceof HttpError && e.status === 401;
    if (this.grid !== null || signIn || this.state.refresh === "off" || this.firstLoadRetry !== undefined) return;
    const delayMs = Math.min(30_000, 1000 * 2 ** this.firstLoadFailures++);
    this.firstLoadRetry = setTimeout(() => {
      this.firstLoadRetry = undefined;
      if (this.grid === null && this.state.source === "live") void this.reload();
    }, delayMs);
  }

  private columnCap(): number {
    return Math.max(MIN_LIVE_COLUMNS, this.grid?.times.length ?? 0);
  }

  private stop(): void {
    this.stopRefresh?.();
    this.stopRefresh = null;
    this.streamSeries = null;
    this.streamState = "off";
  }

  /** Live mode: the stream, a polling timer, or nothing (manual). */
  private setupRefresh(): void {
    this.stop();
    if (this.state.source !== "live" || this.grid === null) return this.renderSummary();
    if (this.state.refresh === "live") {
      this.streamSeries = this.state.series;
      this.stopRefresh = openStream(this.state.series, {
        column: (ev) => {
          if (this.fetching !== 0) this.pending.push(ev);
          else if (this.grid !== null) {
            const next = appendColumn(this.grid, ev, this.columnCap());
            if (next !== null) {
              this.grid = next;
              this.render();
            }
          }
        },
        resync: () => void this.reload(),
        state: (s) => {
          this.streamState = s;
          this.renderSummary();
        },
      });
    } else if (this.state.refresh !== "off") {
      const timer = setInterval(() => void this.reload(), this.state.refresh === "5s" ? 5000 : 30_000);
      this.stopRefresh = () => clearInterval(timer);
    }
    this.renderSummary();
  }

  private async openFile(file: File): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await fileBytes(file);
    } catch (e) {
      // A file moved, deleted or unreadable since it was picked: say so, keep what is open.
      return this.showMessage(`Cannot read ${file.name}: ${(e as Error).message}`);
    }
    this.openBytes(bytes, file.name);
  }

  private openBytes(bytes: Uint8Array, name: string): void {
    let replay: ReplaySource;
    try {
      replay = openRecording(bytes);
    } catch (e) {
      return this.showMessage(`Cannot open ${name}: ${(e as Error).message}`);
    }
    // A view from a link (#src=file&…) applies to the first recording opened; another recording
    // starts from its own span and step.
    const linked = this.state.source === "file" && this.replay === null;
    this.stop();
    this.fetching = 0;
    this.replay = replay;
    this.fileName = name;
    this.pins.clear();
    this.showMessage(null);
    const fresh = { time: undefined, keys: undefined, diffA: undefined, diffB: undefined, cursorMs: undefined };
    const view = linked ? {} : fresh;
    // A linked step the recording offers is kept; any other (one it does not offer would merge
    // its columns unevenly) gives way to the step it opens at.
    const keepStep = linked && stepChoices(replay.stepMs).includes(this.state.stepMs);
    const stepMs = keepStep ? this.state.stepMs : openingStep(replay);
    if (stepMs > replay.stepMs)
      this.showMessage(
        `${name} has ${replay.columnCount} columns: shown at a coarser step; the Step menu has finer ones.`,
        true,
      );
    this.zoomStack = [];
    this.update({ source: "file", ...view, stepMs }, "data");
  }

  private goLive(): void {
    this.replay = null;
    this.replayBar.hide();
    this.grid = null;
    this.pins.clear();
    this.zoomStack = [];
    this.update(
      {
        source: "live",
        time: undefined,
        keys: undefined,
        cursorMs: undefined,
        diffA: undefined,
        diffB: undefined,
        stepMs: 0,
      },
      "data",
    );
  }

  private setDiffHalves(): void {
    if (this.grid === null) return;
    const w = resolveWindow(this.grid, this.state.time, undefined);
    const hv = halves(this.grid.times, w.c0, w.c1);
    if (hv !== null) this.update({ view: "diff", diffA: hv.a, diffB: hv.b, time: undefined }, "render");
  }

  /** The grid on screen: the data itself, or A − B. */
  private displayed(): Grid | null {
    if (this.grid === null || this.state.view !== "diff") return this.grid;
    if (this.state.diffA === undefined || this.state.diffB === undefined) {
      const hv = halves(this.grid.times, 0, this.grid.times.length);
      if (hv === null) return this.grid;
      this.state.diffA = hv.a;
      this.state.diffB = hv.b;
      syncControls(this.controls, this.state, this.replay);
      this.writeUrl(false);
    }
    return diffGrid(this.grid, this.state.diffA, this.state.diffB);
  }

  private render(): void {
    const g = this.displayed();
    this.shown = g;
    if (g === null) return;
    const diverging = this.state.view === "diff";
    const window = resolveWindow(g, this.state.time, this.state.keys);
    let reveal: number | undefined;
    if (this.state.source === "file" && !diverging && this.state.cursorMs !== undefined) {
      reveal = g.times.findIndex((t) => t > this.state.cursorMs!);
      if (reveal < 0) reveal = undefined;
    }
    const frame = {
      grid: g,
      window,
      diverging,
      scale: this.state.scale,
      brightness: this.state.brightness,
      palette: this.state.palette,
    };
    this.plot.draw(reveal === undefined ? frame : { ...frame, reveal });
    this.plot.heat.dataset.paintMs = this.plot.lastPaintMs.toFixed(2);
    this.plot.heat.dataset.rows = String(window.r1 - window.r0);
    this.plot.heat.dataset.columns = String(window.c1 - window.c0);
    this.showReplayCursor(reveal, window.c0, window.c1);
    const empty = g.rows.length === 0 || g.times.length === 0;
    this.setEmpty(
      empty
        ? diverging
          ? "Windows A and B share no columns."
          : this.state.source === "file"
            ? "This recording holds no load in this window and series."
            : "No data yet: drive some traffic; columns appear as the sampler flushes."
        : null,
    );
    this.renderBanner(g);
    this.renderSummary();
  }

  /**
   * Replay cursor: a step forward paints only the new columns at once, and the rest of the frame
   * (sums, summary) follows at most every 250 ms; anything else is a full draw.
   */
  private moveCursor(i: number): void {
    const g = this.shown;
    this.state.cursorMs = this.grid?.times[i];
    this.writeUrl(true);
    const reveal = g === null || this.state.view === "diff" ? -1 : g.times.findIndex((t) => t > this.state.cursorMs!);
    const w = this.plot.frame?.window;
    if (reveal >= 0 && w !== undefined && this.plot.advance(reveal)) {
      this.showReplayCursor(reveal, w.c0, w.c1);
      this.renderTimer ??= setTimeout(() => {
        this.renderTimer = undefined;
        this.render();
      }, 250);
      return;
    }
    this.render();
  }

  private showReplayCursor(reveal: number | undefined, c0: number, c1: number): void {
    const line = byId("replay-cursor");
    if (reveal === undefined || reveal <= c0 || reveal > c1) {
      line.hidden = true;
      return;
    }
    line.style.left = `${this.plot.xOfColumn(reveal)}px`;
    line.hidden = false;
  }

  private setEmpty(text: string | null): void {
    const el = byId("empty");
    el.hidden = text === null;
    el.textContent = text ?? "";
  }

  private showMessage(text: string | null, info = false): void {
    const el = byId("message");
    el.hidden = text === null;
    el.textContent = text ?? "";
    el.classList.toggle("info", info);
  }

  private renderBanner(g: Grid): void {
    const banner = byId("banner");
    const f = g.fanout;
    if (f === undefined || f.responded >= f.expected) {
      banner.hidden = true;
      return;
    }
    const failed = f.nodes.filter((n) => !n.ok).map((n) => h("li", {}, `${n.node}${n.error ? ` — ${n.error}` : ""}`));
    banner.replaceChildren(
      h("b", {}, `Cluster view degraded: ${f.responded} of ${f.expected} nodes responded.`),
      " Load served by the failed nodes is missing from the picture.",
      h("ul", {}, ...failed),
    );
    banner.hidden = false;
  }

  private renderSummary(): void {
    const g = this.shown;
    const box = byId("summary");
    const source =
      this.state.source === "file"
        ? h("span", {}, "Replaying ", h("b", {}, this.fileName || "a recording"), " in the browser")
        : h(
            "span",
            {},
            h("span", { class: `live-dot ${this.streamState}` }),
            this.streamState === "off"
              ? `Live · ${this.state.refresh === "off" ? "manual refresh" : `polling every ${this.state.refresh}`}`
              : `Live stream: ${this.streamState}`,
          );
    const lines: Node[] = [source];
    if (g !== null) {
      const f = this.plot.frame?.window;
      const rows = f ? f.r1 - f.r0 : g.rows.length;
      const cols = f ? f.c1 - f.c0 : g.times.length;
      lines.push(
        kvList([
          ["series", g.series + (this.state.view === "diff" ? " (A − B)" : "")],
          ["shown", `${rows} of ${g.rows.length} rows × ${cols} of ${g.times.length} columns`],
          ["max cell", formatCount(this.plot.max)],
          [
            "zoom",
            this.state.time || this.state.keys
              ? `${Math.max(1, this.zoomStack.length)} level${this.zoomStack.length > 1 ? "s" : ""} (Back / Reset)`
              : "none",
          ],
          ["generated", g.generatedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")],
        ]),
      );
    }
    box.replaceChildren(...lines);
  }

  private rowAndColumnTotals(g: Grid, r: number, c: number): [number, number] {
    const w = this.plot.frame!.window;
    const width = g.times.length;
    let row = 0;
    for (let j = w.c0; j < w.c1; j++) row += g.values[r * width + j]!;
    let col = 0;
    for (let i = w.r0; i < w.r1; i++) col += g.values[i * width + c]!;
    return [row, col];
  }

  private showHover(cell: { r: number; c: number } | null, x: number, y: number): void {
    const g = this.shown;
    if (cell === null || g === null) {
      this.hover.hidden = true;
      return;
    }
    const d = describeCell(g, cell.r, cell.c, ...this.rowAndColumnTotals(g, cell.r, cell.c));
    this.hover.replaceChildren(h("div", { class: "title" }, d.title), kvList(d.pairs));
    this.hover.hidden = false;
    const wrap = this.plot.element.getBoundingClientRect();
    const tip = this.hover.getBoundingClientRect();
    let left = x - wrap.left + 14;
    let top = y - wrap.top + 14;
    if (left + tip.width > wrap.width) left = x - wrap.left - tip.width - 14;
    if (top + tip.height > wrap.height) top = Math.max(0, wrap.height - tip.height);
    this.hover.style.left = `${Math.max(0, left)}px`;
    this.hover.style.top = `${top}px`;
  }

  private pin(r: number, c: number): void {
    const g = this.shown;
    if (g === null) return;
    const d = describeCell(g, r, c, ...this.rowAndColumnTotals(g, r, c));
    this.pins.add(d, g.rows[r]!, this.state.source === "live", labelsShown(g.rows));
  }

  private zoomTo(r0: number, r1: number, c0: number, c1: number): void {
    const g = this.shown;
    const w = this.plot.frame?.window;
    if (g === null || w === undefined) return;
    this.zoomStack.push({ time: this.state.time, keys: this.state.keys });
    const patch: Partial<ViewState> = {};
    if (c0 > w.c0 || c1 < w.c1) patch.time = { fromMs: g.times[c0]!, toMs: g.times[c1 - 1]! };
    if (r0 > w.r0 || r1 < w.r1) patch.keys = { start: g.rows[r0]!.start, end: g.rows[r1 - 1]!.end };
    this.interaction.resetCursor();
    this.update(patch, "render");
  }

  private back(): void {
    const prev = this.zoomStack.pop();
    // A zoom that came with the URL has no level before it here: one back is the whole view.
    if (prev === undefined) return this.resetZoom();
    this.interaction.resetCursor();
    this.update({ time: prev.time, keys: prev.keys }, "render");
  }

  private resetZoom(): void {
    this.zoomStack = [];
    this.interaction.resetCursor();
    this.update({ time: undefined, keys: undefined }, "render");
  }
}
