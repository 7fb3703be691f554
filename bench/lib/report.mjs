// Turning round values into rows (medians, ratios, targets), the printed table, the results
// file and the table in docs/benchmarks.md.
import { cpus, totalmem, loadavg, release, platform } from "node:os";
import { median, spread } from "./stats.mjs";

/** One row per variant: medians of the rounds, ratio to the baseline's median, target check. */
export function summarize(selected, results) {
  const rows = new Map();
  for (const v of selected) {
    const runs = v.from ? (results.get(v.from.variant) ?? []) : (results.get(v.name) ?? []);
    const ok = runs.filter((r) => r.error === undefined && r.skipped === undefined);
    const values = v.from
      ? ok.map((r) => r[v.from.field]).filter((x) => typeof x === "number")
      : ok.map((r) => r.value);
    const row = {
      name: v.name,
      group: v.group,
      unit: v.unit,
      value: values.length ? median(values) : null,
      rounds: values,
      spread: values.length ? spread(values) : null,
      baseline: v.baseline ?? null,
      ratio: null,
      target: v.target?.text ?? null,
      met: null,
      results: ok,
      slowRounds: ok.filter((r) => r.slowCore).length,
      checkedRounds: ok.filter((r) => r.typedArrayChecks).length,
      skipped: runs.find((r) => r.skipped)?.skipped ?? null,
      errors: runs.filter((r) => r.error !== undefined).map((r) => r.error),
    };
    rows.set(v.name, row);
  }
  for (const v of selected) {
    const row = rows.get(v.name);
    const base = v.baseline ? rows.get(v.baseline) : undefined;
    if (base && row.value !== null && base.value) row.ratio = row.value / base.value;
    if (v.target && row.value !== null && (v.baseline === undefined || row.ratio !== null)) row.met = v.target.met(row);
  }
  return [...rows.values()];
}

export function formatValue(value, unit) {
  if (value === null) return "—";
  if (unit === "ns")
    return `${value < 10 ? value.toFixed(2) : value < 1000 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US")} ns`;
  if (unit === "µs") return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} µs`;
  if (unit === "ms") return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  if (unit === "obs/s") return `${(value / 1e6).toFixed(1)} M obs/s`;
  if (unit === "col/s") return `${Math.round(value).toLocaleString("en-US")} col/s`;
  if (unit === "B/cell") return `${value.toFixed(2)} B/cell`;
  if (unit === "B")
    return value >= 1e6 ? `${(value / 1e6).toFixed(1)} MB` : `${Math.round(value).toLocaleString("en-US")} B`;
  if (unit === "×") return `${value.toFixed(3)}×`;
  return String(value);
}

function status(row) {
  if (row.errors.length && row.value === null) return "error";
  if (row.skipped && row.value === null) return "skipped";
  return row.met === null ? "" : row.met ? "met" : "NOT met";
}

/** Table cells of a row: variant, median, ratio (to baseline), target, met. */
function cells(row) {
  return [
    row.name,
    formatValue(row.value, row.unit),
    row.ratio === null ? "" : `${row.ratio.toFixed(2)}× ${row.baseline}`,
    row.target ?? "",
    status(row),
  ];
}

const HEAD = ["variant", "median", "ratio to baseline", "target", "met?"];

export function textTable(rows) {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, c) => Math.max(...all.map((r) => [...r[c]].length)));
  const line = (r) =>
    r
      .map((x, c) => (c === 1 ? x.padStart(widths[c]) : x.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => line(cells(r)))].join("\n");
}

export function markdownTable(rows) {
  const esc = (x) => x.replace(/\|/g, "\\|");
  return [
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map((_, c) => (c === 1 ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(" | ")} |`),
  ].join("\n");
}

/** Notes worth printing under the table: skips, errors and notes from children. */
export function footnotes(rows) {
  const out = [];
  for (const row of rows) {
    if (row.skipped) out.push(`${row.name}: skipped — ${row.skipped}`);
    if (row.slowRounds > 0) out.push(`${row.name}: ${row.slowRounds} round(s) on a possibly slowed core (gauge)`);
    if (row.checkedRounds > 0)
      out.push(
        `${row.name}: ${row.checkedRounds} round(s) ended with typed-array accesses checked (an ArrayBuffer was detached in the process; docs/design.md)`,
      );
    for (const e of new Set(row.errors)) out.push(`${row.name}: error — ${e.split("\n")[0]}`);
    for (const n of new Set(row.results.flatMap((r) => r.notes ?? []))) out.push(`${row.name}: ${n}`);
    const note = pageFaultNote(row, rows);
    if (note !== null) out.push(note);
  }
  return out;
}

/**
 * A slow variant's first-touch page faults per call, when it has many, with what they cost at
 * the host's measured price per page when the run has `first-touch-page` (see that variant).
 */
function pageFaultNote(row, rows) {
  const faults = row.results.map((r) => r.pageFaultsPerCall).filter((f) => typeof f === "number");
  if (faults.length === 0 || median(faults) < 256) return null;
  const perCall = median(faults);
  const pagePrice = rows.find((r) => r.name === "first-touch-page")?.value;
  const cost = pagePrice ? ` ≈ ${((perCall * pagePrice) / 1000).toFixed(1)} ms at first-touch-page's price` : "";
  return `${row.name}: ${Math.round(perCall).toLocaleString("en-US")} first-touch page faults per call${cost}`;
}

export function machine() {
  const cpu = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${platform()} ${release()}`,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

/** The results file: machine, settings, then every row with all its round values. */
export function resultsJson({ rows, settings, startedAt, loadAtStart, elapsedS }) {
  return {
    date: startedAt.toISOString(),
    elapsedSeconds: Math.round(elapsedS),
    machine: { ...machine(), loadavgAtStart: loadAtStart },
    settings,
    variants: Object.fromEntries(
      rows.map((r) => [
        r.name,
        {
          date: startedAt.toISOString(),
          group: r.group,
          unit: r.unit,
          median: r.value,
          rounds: r.rounds.map((x) => +x.toPrecision(6)),
          spread: r.spread,
          baseline: r.baseline,
          ratio: r.ratio,
          target: r.target,
          met: r.met,
          ...(r.skipped ? { skipped: r.skipped } : {}),
          ...(r.slowRounds ? { slowRounds: r.slowRounds } : {}),
          ...(r.checkedRounds ? { checkedRounds: r.checkedRounds } : {}),
          ...(r.errors.length ? { errors: [...new Set(r.errors)] } : {}),
          details: r.results.map(({ value, ...rest }) => rest),
        },
      ]),
    ),
    targets: rows
      .filter((r) => r.target)
      .map((r) => ({ variant: r.name, target: r.target, value: r.value, ratio: r.ratio, met: r.met })),
  };
}

/**
 * Folds a partial run into earlier results: its variants replace the same variants (each entry
 * keeps the date of the run that measured it), in catalog order; machine and settings of the
 * latest run, and the list of runs that contributed.
 */
export function mergeResults(previous, latest, order) {
  const variants = { ...previous.variants, ...latest.variants };
  const sorted = Object.fromEntries(order.filter((n) => n in variants).map((n) => [n, variants[n]]));
  const runs = [
    ...(previous.runs ?? [{ date: previous.date, settings: previous.settings }]),
    { date: latest.date, settings: latest.settings },
  ];
  return {
    ...latest,
    runs,
    variants: sorted,
    targets: Object.entries(sorted)
      .filter(([, v]) => v.target)
      .map(([name, v]) => ({ variant: name, target: v.target, value: v.median, ratio: v.ratio, met: v.met })),
  };
}

/** Table rows back from a results file (for the docs table after a merge). */
export function rowsFromResults(results) {
  return Object.entries(results.variants).map(([name, v]) => ({
    name,
    unit: v.unit,
    value: v.median,
    ratio: v.ratio,
    baseline: v.baseline,
    target: v.target,
    met: v.met,
    skipped: v.skipped ?? null,
    slowRounds: v.slowRounds ?? 0,
    checkedRounds: v.checkedRounds ?? 0,
    errors: v.errors ?? [],
    results: v.details ?? [],
    date: v.date,
  }));
}
