// Colour lookup tables, shared by the viewer (src/web) and `keyviz render` (PNG): 256 packed
// RGBA pixels (little-endian, as ImageData's Uint32 view reads them). Index 0 is always
// transparent: a zero cell shows the page behind it.
//   sequential: index 1..255 = t from 0 to 1
//   diverging:  index 1..127 = negative (most negative at 1), 129..255 = positive, 128 transparent

/** Sequential palettes: viridis (default, colour-blind safe) and the reference page's ramp. */
export type Palette = "viridis" | "reference";

type Stop = readonly [t: number, r: number, g: number, b: number, a: number];

// Viridis at ninths of its range (the published colour map's sample points): perceptually
// uniform and readable with the common colour-vision deficiencies.
const VIRIDIS: readonly Stop[] = [
  [0, 0x44, 0x01, 0x54, 255],
  [0.125, 0x47, 0x2d, 0x7b, 255],
  [0.25, 0x3b, 0x52, 0x8b, 255],
  [0.375, 0x2c, 0x72, 0x8e, 255],
  [0.5, 0x21, 0x91, 0x8c, 255],
  [0.625, 0x28, 0xae, 0x80, 255],
  [0.75, 0x5e, 0xc9, 0x62, 255],
  [0.875, 0xad, 0xdc, 0x30, 255],
  [1, 0xfd, 0xe7, 0x25, 255],
];

// The reference page's ramp (SPEC §6).
const REFERENCE: readonly Stop[] = [
  [0, 0, 0, 0, 0],
  [0.15, 56, 88, 222, 180],
  [0.45, 86, 196, 110, 220],
  [0.75, 240, 200, 60, 235],
  [1, 220, 50, 50, 245],
];

// Purple (B larger) ← grey → orange (A larger): the PuOr family, safe for red-green deficiencies.
// Alpha rises with magnitude so near-zero differences stay quiet on the dark page.
const DIVERGING: readonly Stop[] = [
  [-1, 0x7b, 0x5c, 0xd6, 255],
  [-0.5, 0xb2, 0xab, 0xd2, 235],
  [0, 0xcc, 0xcc, 0xcc, 45],
  [0.5, 0xfd, 0xb8, 0x63, 235],
  [1, 0xf0, 0x6a, 0x0c, 255],
];

function pack(r: number, g: number, b: number, a: number): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

function sample(stops: readonly Stop[], t: number): number {
  let i = 1;
  while (i < stops.length - 1 && stops[i]![0] < t) i++;
  const lo = stops[i - 1]!;
  const hi = stops[i]!;
  const f = hi[0] === lo[0] ? 0 : Math.min(1, Math.max(0, (t - lo[0]) / (hi[0] - lo[0])));
  const mix = (k: 1 | 2 | 3 | 4): number => Math.round(lo[k] + (hi[k] - lo[k]) * f);
  return pack(mix(1), mix(2), mix(3), mix(4));
}

/** A sequential table for `palette`. */
export function sequentialLut(palette: Palette): Uint32Array {
  const stops = palette === "reference" ? REFERENCE : VIRIDIS;
  const lut = new Uint32Array(256);
  for (let i = 1; i < 256; i++) lut[i] = sample(stops, (i - 1) / 254);
  // The reference ramp is transparent at t = 0; a non-zero cell must never vanish, so its first
  // entry gets the faintest visible alpha.
  if (lut[1]! >>> 24 === 0) lut[1] = sample(stops, 1 / 254) | (40 << 24);
  return lut;
}

/** The diverging table (A − B). */
export function divergingLut(): Uint32Array {
  const lut = new Uint32Array(256);
  for (let m = 1; m <= 127; m++) {
    const t = m / 127;
    lut[128 - m] = sample(DIVERGING, -t);
    lut[128 + m] = sample(DIVERGING, t);
  }
  return lut;
}

/** CSS colour of a table entry (legend, bars). */
export function cssColour(lut: Uint32Array, index: number): string {
  const p = lut[index]!;
  return `rgba(${p & 255},${(p >>> 8) & 255},${(p >>> 16) & 255},${((p >>> 24) / 255).toFixed(3)})`;
}
