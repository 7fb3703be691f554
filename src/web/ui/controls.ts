// The toolbar, the difference-window inputs and the page-wide keys: native controls (so Tab,
// arrows and screen readers work on every one), each mapped to one state change.
import type { Series } from "../../types.js";
import { stepChoices, type ReplaySource } from "../data/file.js";
import type { Palette, Refresh, Scale, TimeWindow, View, ViewState } from "../state.js";
import { byId, h } from "./dom.js";

export interface ControlHandlers {
  change(patch: Partial<ViewState>, effect: "render" | "data" | "refresh" | "url"): void;
  reload(): void;
  back(): void;
  reset(): void;
  openFile(file: File): void;
  goLive(): void;
  diffHalves(): void;
  replayToggle(): void;
  replayStep(n: number): void;
  copyLink(): void;
}

export interface Controls {
  series: HTMLSelectElement;
  rows: HTMLInputElement;
  refresh: HTMLSelectElement;
  scale: HTMLSelectElement;
  brightness: HTMLInputElement;
  brightnessValue: HTMLOutputElement;
  palette: HTMLSelectElement;
  view: HTMLSelectElement;
  step: HTMLSelectElement;
  diff: { aFrom: HTMLInputElement; aTo: HTMLInputElement; bFrom: HTMLInputElement; bTo: HTMLInputElement };
}

/**
 * `datetime-local` text (UTC) ↔ ms, to the millisecond: live columns carry milliseconds, and a
 * text cut to the second moved every window by up to a second when any one input was touched.
 */
function toInput(ms: number | undefined): string {
  return ms === undefined ? "" : new Date(ms).toISOString().slice(0, 23);
}
function fromInput(text: string): number | undefined {
  const ms = Date.parse(`${text}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

function stepLabel(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

export function bindControls(on: ControlHandlers): Controls {
  const c: Controls = {
    series: byId("series"),
    rows: byId("rows"),
    refresh: byId("refresh"),
    scale: byId("scale"),
    brightness: byId("brightness"),
    brightnessValue: byId("brightness-value"),
    palette: byId("palette"),
    view: byId("view"),
    step: byId("step"),
    diff: { aFrom: byId("a-from"), aTo: byId("a-to"), bFrom: byId("b-from"), bTo: byId("b-to") },
  };
  c.series.addEventListener("change", () => on.change({ series: c.series.value as Series }, "data"));
  c.rows.addEventListener("input", () => c.rows.setCustomValidity("")); // the last refusal's message goes
  c.rows.addEventListener("change", () => {
    const n = Number(c.rows.value);
    if (c.rows.value !== "" && Number.isInteger(n) && n >= 1 && n <= 1024) return on.change({ rows: n }, "data");
    c.rows.setCustomValidity("Rows: a whole number from 1 to 1024");
    c.rows.reportValidity();
    c.rows.value = c.rows.dataset.current ?? "";
  });
  c.refresh.addEventListener("change", () => on.change({ refresh: c.refresh.value as Refresh }, "refresh"));
  c.scale.addEventListener("change", () => on.change({ scale: c.scale.value as Scale }, "render"));
  c.brightness.addEventListener("input", () => on.change({ brightness: 2 ** Number(c.brightness.value) }, "render"));
  c.palette.addEventListener("change", () => on.change({ palette: c.palette.value as Palette }, "render"));
  c.view.addEventListener("change", () => on.change({ view: c.view.value as View }, "render"));
  c.step.addEventListener("change", () => on.change({ stepMs: Number(c.step.value) }, "data"));
  const diffWindow = (from: HTMLInputElement, to: HTMLInputElement): TimeWindow | undefined => {
    const f = fromInput(from.value);
    const t = fromInput(to.value);
    return f !== undefined && t !== undefined && f <= t ? { fromMs: f, toMs: t } : undefined;
  };
  for (const input of Object.values(c.diff)) {
    input.addEventListener("change", () => {
      const a = diffWindow(c.diff.aFrom, c.diff.aTo);
      const b = diffWindow(c.diff.bFrom, c.diff.bTo);
      if (a && b) on.change({ diffA: a, diffB: b }, "render");
    });
  }
  byId("diff-halves").addEventListener("click", () => on.diffHalves());
  byId("diff-swap").addEventListener("click", () => {
    const a = diffWindow(c.diff.aFrom, c.diff.aTo);
    const b = diffWindow(c.diff.bFrom, c.diff.bTo);
    if (a && b) on.change({ diffA: b, diffB: a }, "render");
  });
  byId("reload").addEventListener("click", () => on.reload());
  byId("back").addEventListener("click", () => on.back());
  byId("reset").addEventListener("click", () => on.reset());
  byId("copy-link").addEventListener("click", () => on.copyLink());
  byId("go-live").addEventListener("click", () => on.goLive());
  const file = byId<HTMLInputElement>("file");
  byId("open-file").addEventListener("click", () => file.click());
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (f) on.openFile(f);
    file.value = "";
  });
  bindDrop(on);
  bindKeys(on);
  return c;
}

function bindDrop(on: ControlHandlers): void {
  const overlay = byId("drop");
  let depth = 0;
  const hasFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes("Files") ?? false;
  window.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.hidden = true;
  });
  window.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    const f = e.dataTransfer?.files[0];
    if (f) on.openFile(f);
  });
}

function bindKeys(on: ControlHandlers): void {
  window.addEventListener("keydown", (e) => {
    const t = e.target as HTMLElement | null;
    if (e.ctrlKey || e.metaKey || e.altKey || (t !== null && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
    // A focused button keeps Space and Enter (they press it); the letter and bracket keys still work.
    if (t?.tagName === "BUTTON" && (e.key === " " || e.key === "Enter")) return;
    if (t?.id === "heat" && !["r", "o", " ", "[", "]"].includes(e.key)) return;
    if (e.key === "r") on.reload();
    else if (e.key === "o") byId<HTMLInputElement>("file").click();
    else if (e.key === " ") on.replayToggle();
    else if (e.key === "[") on.replayStep(-1);
    else if (e.key === "]") on.replayStep(1);
    else return;
    e.preventDefault();
  });
}

/** Puts the state into the controls and shows what belongs to the current mode. */
export function syncControls(c: Controls, s: ViewState, replay: ReplaySource | null): void {
  c.series.value = s.series;
  c.rows.value = c.rows.dataset.current = String(s.rows);
  c.refresh.value = s.refresh;
  c.scale.value = s.scale;
  c.brightness.value = String(Math.log2(s.brightness));
  c.brightnessValue.textContent = `×${s.brightness >= 1 ? s.brightness.toFixed(s.brightness % 1 ? 2 : 0) : s.brightness.toFixed(2)}`;
  c.palette.value = s.palette;
  c.view.value = s.view;
  const live = s.source === "live";
  byId("refresh-box").hidden = !live;
  byId("reload").hidden = !live;
  byId("go-live").hidden = live || location.protocol === "file:";
  byId("diff-bar").hidden = s.view !== "diff";
  c.palette.disabled = s.view === "diff";
  c.diff.aFrom.value = toInput(s.diffA?.fromMs);
  c.diff.aTo.value = toInput(s.diffA?.toMs);
  c.diff.bFrom.value = toInput(s.diffB?.fromMs);
  c.diff.bTo.value = toInput(s.diffB?.toMs);
  byId("back").toggleAttribute("disabled", s.time === undefined && s.keys === undefined);
  byId("reset").toggleAttribute("disabled", s.time === undefined && s.keys === undefined);
  byId("source-label").textContent = live ? "live" : "replay";
  if (replay !== null) {
    const steps = stepChoices(replay.stepMs);
    if (c.step.options.length !== steps.length || c.step.options[0]?.value !== String(replay.stepMs)) {
      c.step.replaceChildren(...steps.map((ms) => h("option", { value: String(ms) }, stepLabel(ms))));
    }
    c.step.value = String(s.stepMs || replay.stepMs);
    byId("file-name").textContent = "";
  }
}
