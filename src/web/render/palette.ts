// The colour tables live in src/paint/ (pure, no DOM) so `keyviz render` draws with the same ones.
export * from "../../paint/palette.js";
