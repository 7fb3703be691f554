// Entry of the viewer page (bundled by scripts/build-web.mjs into dist/web/).
import { App } from "./app.js";

function boot(): void {
  new App().start();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot, { once: true });
else boot();
