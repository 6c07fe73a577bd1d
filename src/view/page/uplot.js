// uPlot is loaded by its own <script> (uPlot.iife.min.js, served from the uplot package) as a global.

/** @type {typeof import("uplot")} */
export const uPlot = /** @type {any} */ (globalThis).uPlot;

/**
 * What the page drew, for tests and the latency benchmark: one entry per series and run drawn.
 * A writer's line names it; the mean across writers is `agg`, with its band (`lo`, `hi` per bucket).
 * @typedef {{ run: string, writer: string | null, agg: boolean, name: string, rows: number, last: number | null, lo: (number | null)[] | null, hi: (number | null)[] | null, at: number }} Draw
 * @type {{ draws: Draw[], ready: boolean }}
 */
export const drawn = { draws: [], ready: false };
/** @type {any} */ (window).__h5view = drawn;
