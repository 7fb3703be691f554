// The replay timeline: scrub, play at 1×–1000× of recorded time, pause, step. It only moves a
// cursor over the columns already re-aggregated; each frame repaints the heatmap, never refetches.
import { formatTime, labelStep } from "../render/axes.js";
import { byId } from "./dom.js";

export interface ReplayHandlers {
  /** The cursor moved to column index `i` (all columns ≤ i are shown). */
  cursor(i: number): void;
  speed(x: number): void;
}

export class ReplayBar {
  private readonly bar = byId("replay");
  private readonly play = byId<HTMLButtonElement>("play");
  private readonly speedSelect = byId<HTMLSelectElement>("speed");
  private readonly timeline = byId<HTMLInputElement>("timeline");
  private readonly label = byId<HTMLOutputElement>("cursor-time");
  private times: readonly number[] = [];
  private raf = 0;
  private simMs = 0;
  private lastTick = 0;

  constructor(private readonly on: ReplayHandlers) {
    this.play.addEventListener("click", () => this.toggle());
    this.timeline.addEventListener("input", () => {
      this.pause();
      this.moveTo(Number(this.timeline.value));
    });
    this.speedSelect.addEventListener("change", () => on.speed(Number(this.speedSelect.value)));
  }

  get index(): number {
    return Number(this.timeline.value);
  }

  get playing(): boolean {
    return this.raf !== 0;
  }

  show(times: readonly number[], index: number, speed: number): void {
    this.times = times;
    this.bar.hidden = false;
    this.timeline.max = String(Math.max(0, times.length - 1));
    this.speedSelect.value = String(speed);
    this.setIndex(index);
  }

  hide(): void {
    this.pause();
    this.bar.hidden = true;
  }

  toggle(): void {
    if (this.playing) return this.pause();
    if (this.times.length === 0) return;
    if (this.index >= this.times.length - 1) this.moveTo(0);
    this.simMs = this.times[this.index]!;
    this.lastTick = performance.now();
    this.play.textContent = "Pause";
    this.play.setAttribute("aria-pressed", "true");
    this.raf = requestAnimationFrame((t) => this.tick(t));
  }

  pause(): void {
    if (this.raf !== 0) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.play.textContent = "Play";
    this.play.setAttribute("aria-pressed", "false");
  }

  /** Moves by `n` columns (keyboard `[` and `]`). */
  step(n: number): void {
    this.pause();
    this.moveTo(Math.min(Math.max(0, this.index + n), this.times.length - 1));
  }

  private tick(now: number): void {
    const speed = Number(this.speedSelect.value);
    this.simMs += (now - this.lastTick) * speed;
    this.lastTick = now;
    let i = this.index;
    while (i + 1 < this.times.length && this.times[i + 1]! <= this.simMs) i++;
    if (i !== this.index) this.moveTo(i);
    if (i >= this.times.length - 1) return this.pause();
    this.raf = requestAnimationFrame((t) => this.tick(t));
  }

  private moveTo(i: number): void {
    this.setIndex(i);
    this.on.cursor(i);
  }

  private setIndex(i: number): void {
    this.timeline.value = String(i);
    const t = this.times[i];
    this.label.textContent =
      t === undefined
        ? ""
        : `${new Date(t).toISOString().slice(0, 10)} ${formatTime(t, labelStep(this.times, i))} UTC · ${i + 1}/${this.times.length}`;
  }
}
