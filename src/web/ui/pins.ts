// Pinned cells: cards in the side panel whose text can be selected and copied, each with the hot
// keys of its row (live mode). A `merged:` or `virtual:` row asks every listed member route and
// merges the answers, as the fan-out does across nodes.
import { keyLabel } from "../../wire/encoding.js";
import { mergeHotKeys } from "../../hotkeys/merge.js";
import type { HotKeysResponse } from "../../hotkeys/response.js";
import { hotKeysProblem } from "../../wire/validate.js";
import { getJson, HttpError } from "../data/api.js";
import type { GridRow } from "../data/grid.js";
import { formatCount } from "../../paint/scale.js";
import { detailText, type CellDetail } from "./detail.js";
import { byId, h, kvList } from "./dom.js";

const MAX_PINS = 6;
const MAX_MEMBER_QUERIES = 32;
const TOP = 20;

export interface HotKeysTarget {
  routeId: number;
  label?: string;
  sub?: number;
}

/** The hot-keys queries behind a row: its route (with label and sub-bucket), or its listed members. */
export function hotKeyTargets(row: GridRow): { targets: HotKeysTarget[]; unlisted: number } {
  const m = /^route:(\d+)(?::([^#]+))?(?:#(\d+))?$/.exec(row.bucketId);
  if (m !== null) {
    const t: HotKeysTarget = { routeId: Number(m[1]) };
    if (m[2] !== undefined) t.label = m[2];
    if (m[3] !== undefined) t.sub = Number(m[3]);
    return { targets: [t], unlisted: 0 };
  }
  const ids = (row.routeIds ?? []).slice(0, MAX_MEMBER_QUERIES);
  return { targets: ids.map((routeId) => ({ routeId })), unlisted: Math.max(0, row.routeCount - ids.length) };
}

/** Fetches and merges; resolves to the merged answer or to a sentence saying why there is none. */
export async function loadHotKeys(
  row: GridRow,
): Promise<{ response: HotKeysResponse; note: string } | { note: string }> {
  const { targets, unlisted } = hotKeyTargets(row);
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
  const parts = [`${answers.length} of ${targets.length} route${targets.length === 1 ? "" : "s"} had a snapshot`];
  if (unlisted > 0) parts.push(`${unlisted} member routes not listed`);
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

  add(detail: CellDetail, row: GridRow, hotKeys: boolean): void {
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
    close.focus();
    if (!hotKeys) return;
    void loadHotKeys(row).then((result) => {
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

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false; // no clipboard permission (file://, insecure origin): the card text stays selectable
  }
}
