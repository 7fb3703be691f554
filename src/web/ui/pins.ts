// Pinned cells: cards in the side panel whose text can be selected and copied, each with the hot
// keys of its row (live mode). A `merged:` or `virtual:` row asks every listed member route — in
// each label the matrix shows, since a labelled request is counted only in its label's sketch —
// and merges the answers, as the fan-out does across nodes.
import { parseRouteBucketId } from "../../wire/bucket-id.js";
import { keyLabel } from "../../wire/encoding.js";
import { mergeHotKeys } from "../../hotkeys/merge.js";
import type { HotKeysResponse } from "../../hotkeys/response.js";
import { hotKeysProblem } from "../../wire/validate.js";
import { getJson, HttpError } from "../data/api.js";
import type { GridRow } from "../data/grid.js";
import { formatCount } from "../../paint/scale.js";
import { detailText, type CellDetail } from "./detail.js";
import { byId, copyText, h, kvList } from "./dom.js";

const MAX_PINS = 6;
/** Requests one merged row may make (members × (labels + 1)), one after another on loopback. */
const MAX_MEMBER_QUERIES = 64;
const TOP = 20;

export interface HotKeysTarget {
  routeId: number;
  label?: string;
  sub?: number;
}

/**
 * The hot-keys queries behind a row: its route (with label and sub-bucket), or its listed members,
 * unlabelled and in each of `labels` (the labels the matrix shows).
 */
export function hotKeyTargets(
  row: GridRow,
  labels: readonly string[] = [],
): { targets: HotKeysTarget[]; unlisted: number } {
  const route = parseRouteBucketId(row.bucketId);
  if (route !== null) {
    const t: HotKeysTarget = { routeId: Number(route.routeId) };
    if (route.label !== undefined) t.label = route.label;
    if (route.sub !== undefined) t.sub = Number(route.sub);
    return { targets: [t], unlisted: 0 };
  }
  const perMember = labels.length + 1;
  const ids = (row.routeIds ?? []).slice(0, Math.max(1, Math.floor(MAX_MEMBER_QUERIES / perMember)));
  const targets = ids.flatMap((routeId) => [{ routeId }, ...labels.map((label) => ({ routeId, label }))]);
  return { targets, unlisted: Math.max(0, row.routeCount - ids.length) };
}

/**
 * The labels a matrix shows: its rows' labels and those in its `merged:<first>..<last>` ids (a
 * small row budget can leave no labelled row of its own).
 */
export function labelsShown(rows: readonly GridRow[]): string[] {
  const labels = new Set<string>();
  for (const row of rows) {
    if (row.label) labels.add(row.label);
    const ends = row.bucketId.startsWith("merged:") ? row.bucketId.slice(7).split("..") : [];
    for (const id of ends) {
      const label = parseRouteBucketId(id)?.label;
      if (label !== undefined) labels.add(label);
    }
  }
  return [...labels].sort();
}

/** Fetches and merges; resolves to the merged answer or to a sentence saying why there is none. */
export async function loadHotKeys(
  row: GridRow,
  labels: readonly string[],
): Promise<{ response: HotKeysResponse; note: string } | { note: string }> {
  const { targets, unlisted } = hotKeyTargets(row, labels);
  if (targets.length === 0) return { note: "no member routes are listed for this row" };
  const answers: HotKeysResponse[] = [];
  for (const t of targets) {
    try {
      const body = await getJson("/keyviz/hotkeys", {
        route_id: t.routeId,
        label: t.label,
        sub_bucket: t.sub,
        top: TOP,
      });
      if (hotKeysProblem(body) === null) answers.push(body as HotKeysResponse);
    } catch (e) {
      if (e instanceof HttpError && e.code === "no_snapshot") continue;
      if (e instanceof HttpError && e.code === "hotkeys_disabled") return { note: "hot keys are off on this server" };
      return { note: `hot keys unavailable: ${(e as Error).message}` };
    }
  }
  if (answers.length === 0) return { note: "no hot-key snapshot yet for this range" };
  const asked =
    labels.length > 0 && targets.length > 1 ? "route and label slots" : targets.length === 1 ? "route" : "routes";
  const parts = [`${answers.length} of ${targets.length} ${asked} had a snapshot`];
  if (unlisted > 0) parts.push(`${unlisted} member routes not asked`);
  return { response: mergeHotKeys(answers, TOP), note: parts.join("; ") };
}

function hotKeysTable(res: HotKeysResponse): HTMLElement {
  const table = h("table");
  for (const k of res.keys)
    table.append(h("tr", {}, h("td", {}, keyLabel(k.key_b64)), h("td", { class: "n" }, `≈${formatCount(k.count)}`)));
  if (res.keys.length === 0) table.append(h("tr", {}, h("td", {}, "(no keys sampled)")));
  return table;
}

export class Pins {
  private readonly box = byId("pins");

  /** `labels`: the labels the matrix shows (a merged row's members are asked in each). */
  add(detail: CellDetail, row: GridRow, hotKeys: boolean, labels: readonly string[]): void {
    const hot = h(
      "div",
      { class: "hotkeys" },
      hotKeys ? "Loading hot keys…" : "Hot keys are only available from a live server.",
    );
    const copy = h("button", { type: "button" }, "Copy");
    const close = h("button", { type: "button", "aria-label": `Unpin ${detail.title}` }, "Unpin");
    const card = h(
      "section",
      { class: "card", "aria-label": `Pinned ${detail.title}` },
      h("div", { class: "title" }, detail.title),
      kvList(detail.pairs),
      h("div", { class: "actions" }, copy, close),
      hot,
    );
    copy.addEventListener("click", () => {
      const text = detailText(detail) + (hot.dataset.text ? `\n${hot.dataset.text}` : "");
      void copyText(text).then((ok) => (copy.textContent = ok ? "Copied" : "Select and copy"));
    });
    close.addEventListener("click", () => card.remove());
    this.box.prepend(card);
    while (this.box.children.length > MAX_PINS) this.box.lastElementChild!.remove();
    // Focus stays where it was (the heatmap, for its keys); the box is a live region instead.
    if (!hotKeys) return;
    void loadHotKeys(row, labels).then((result) => {
      hot.replaceChildren(h("div", { class: "caption" }, `Hot keys (writes, approximate) — ${result.note}`));
      if ("response" in result) {
        hot.append(hotKeysTable(result.response));
        hot.dataset.text = result.response.keys.map((k) => `${keyLabel(k.key_b64)}\t${k.count}`).join("\n");
      }
    });
  }

  clear(): void {
    this.box.replaceChildren();
  }
}
