// The value → colour mapping lives in src/paint/ (pure, no DOM) so `keyviz render` uses the same one.
export * from "../../paint/scale.js";
