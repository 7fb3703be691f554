// Types of gauge.mjs for the TypeScript tests (test/bench/gauge.test.ts).
export function gaugeNs(): number;
export function typedArraysChecked(plainNs: number): boolean;
export function markSlowCoreRounds(results: { gaugeNs?: number; slowCore?: boolean }[]): void;
