// A progress bar for long work, drawn on stderr only when it is a terminal (pipes and CI logs get
// nothing: a bar redrawn with \r is noise in a file). Redraws at most every 100 ms.
export interface Progress {
  update(done: number): void;
  done(): void;
}

interface Out {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export function progressBar(
  label: string,
  total: number,
  out: Out = process.stderr,
  now: () => number = Date.now,
): Progress {
  if (out.isTTY !== true || total <= 0) return { update() {}, done() {} };
  let last = -Infinity;
  const started = now();
  const draw = (done: number): void => {
    const frac = Math.min(1, done / total);
    const width = Math.max(10, Math.min(40, (out.columns ?? 80) - label.length - 30));
    const filled = Math.round(frac * width);
    const elapsed = (now() - started) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${Math.ceil((elapsed / frac) * (1 - frac))}s` : "";
    out.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${Math.floor(frac * 100)}%${eta}\x1b[K`);
  };
  return {
    update(done) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      draw(done);
    },
    done() {
      draw(total);
      out.write("\n");
    },
  };
}
