// `keyviz render --out x.html`: the viewer's self-contained page (dist/web/viewer.html, script,
// styles and Wasm inlined) with a recording inlined in its data slot, so the file opens from disk
// with no server. The initial view (series, rows, time window) goes into the URL fragment, where
// the page keeps its whole view state (docs/viewer.md).
import { readFile } from "node:fs/promises";
import { CliError } from "./command.js";

const SLOT = '<script id="keyviz-data" type="application/octet-stream"></script>';

export interface InitialView {
  series?: string;
  rows?: number;
  fromMs?: number;
  toMs?: number;
}

/** Where the build puts the page, relative to this module (dist/cli/ → dist/web/). */
export const VIEWER_PAGE = new URL("../web/viewer.html", import.meta.url);

export async function standalonePage(recording: Uint8Array, view: InitialView): Promise<string> {
  let template: string;
  try {
    template = await readFile(VIEWER_PAGE, "utf8");
  } catch (err) {
    throw new CliError(`the viewer page ${VIEWER_PAGE.pathname} is missing; run npm run build`, { cause: err });
  }
  const parts = template.split(SLOT);
  if (parts.length !== 2)
    throw new CliError(`${VIEWER_PAGE.pathname} has no recording slot; rebuild it with npm run build`);
  const fragment = viewFragment(view);
  // Only validated values (a series name, integers) reach the fragment; JSON.stringify quotes it.
  const init =
    fragment === "" ? "" : `<script>if (location.hash === "") location.hash = ${JSON.stringify(fragment)};</script>`;
  const data = `<script id="keyviz-data" type="application/octet-stream">${Buffer.from(recording).toString("base64")}</script>`;
  return parts[0] + init + data + parts[1];
}

function viewFragment(v: InitialView): string {
  const p = new URLSearchParams();
  if (v.series !== undefined) p.set("series", v.series);
  if (v.rows !== undefined) p.set("rows", String(v.rows));
  if (v.fromMs !== undefined || v.toMs !== undefined)
    p.set("t", `${v.fromMs ?? 0}.${v.toMs ?? Number.MAX_SAFE_INTEGER}`);
  return p.toString();
}
