// uPlot is loaded by its own <script> (uPlot.iife.min.js, served from the uplot package) as a global.

/** @type {typeof import("uplot")} */
export const uPlot = /** @type {any} */ (globalThis).uPlot;

/**
 * What the page drew, for tests and the latency benchmark: one entry per series and run drawn.
 * @type {{ draws: { run: string, name: string, rows: number, last: number | null, at: number }[], ready: boolean }}
 */
export const drawn = { draws: [], ready: false };
/** @type {any} */ (window).__h5view = drawn;
