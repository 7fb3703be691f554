// The painter lives in src/paint/ (pure, no DOM) so `keyviz render` paints PNGs with it too.
export * from "../../paint/heatmap.js";
