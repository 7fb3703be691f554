// Builds the viewer page (src/web/) into dist/web/:
//   index.html   served by createServer at `/`; loads viewer.js and viewer.css (content-hash query,
//                so the server may let browsers cache them for good) and favicon.svg
//   viewer.js, viewer.css, favicon.svg
//   viewer.html  one self-contained file (script, styles, icon and the Wasm core inlined) that
//                works opened from disk (file://, where module scripts and fetch are blocked). It
//                carries an empty `<script id="keyviz-data" type="application/octet-stream">` slot:
//                fill it with a .kvz file as base64 and the page opens that recording on load.
// The script is an IIFE bundle (not a module) for the same file:// reason.
import { build, transform } from "esbuild";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src/web");
const out = join(root, "dist/web");

const bundle = await build({
  entryPoints: [join(src, "main.ts")],
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: true,
  write: false,
  legalComments: "none",
  logLevel: "warning",
});
const js = bundle.outputFiles[0].text;
const css = (await transform(await readFile(join(src, "style.css"), "utf8"), { loader: "css", minify: true })).code;
const favicon = await readFile(join(src, "favicon.svg"), "utf8");
const template = await readFile(join(src, "index.html"), "utf8");
const version = createHash("sha256").update(js).update(css).update(favicon).digest("hex").slice(0, 12);

/** Fills the template's slots; every slot must be used exactly once. */
function page(slots) {
  let html = template;
  for (const [name, value] of Object.entries(slots)) {
    const marker = `{{${name}}}`;
    if (html.split(marker).length !== 2)
      throw new Error(`build-web: slot ${marker} must appear once in src/web/index.html`);
    html = html.replace(marker, () => value);
  }
  if (/\{\{\w+\}\}/.test(html)) throw new Error("build-web: unfilled slot in src/web/index.html");
  return html;
}

// Inline text must not close its element early.
const inlineScript = (text) => text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
const inlineStyle = (text) => text.replace(/<\/(style)/gi, "<\\/$1");

const served = page({
  favicon: `favicon.svg?v=${version}`,
  style: `<link rel="stylesheet" href="viewer.css?v=${version}">`,
  data: "",
  script: `<script src="viewer.js?v=${version}" defer></script>`,
});
const standalone = page({
  favicon: `data:image/svg+xml;base64,${Buffer.from(favicon).toString("base64")}`,
  style: `<style>${inlineStyle(css)}</style>`,
  data: `<script id="keyviz-data" type="application/octet-stream"></script>`,
  script: `<script>${inlineScript(js)}</script>`,
});

await mkdir(out, { recursive: true });
await Promise.all([
  writeFile(join(out, "index.html"), served),
  writeFile(join(out, "viewer.js"), js),
  writeFile(join(out, "viewer.css"), css),
  writeFile(join(out, "favicon.svg"), favicon),
  writeFile(join(out, "viewer.html"), standalone),
]);
console.log(
  `src/web -> dist/web (viewer.js ${(js.length / 1024).toFixed(0)} KiB, viewer.html ${(standalone.length / 1024).toFixed(0)} KiB, version ${version})`,
);
