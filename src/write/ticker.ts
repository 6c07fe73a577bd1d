/**
 * A clock that a synchronous loop can read for the price of one memory load.
 *
 * Timers do not fire while a loop never yields, and reading the real clock on every `log()`
 * would cost more than the rest of the call. A worker thread stores the time elapsed, in
 * units of {@link TICK_MS} ms, in a shared counter instead; `log()` compares it with a deadline. One worker serves the
 * whole process, is started on first use and never keeps the process alive.
 *
 * @module
 */
import { Worker } from "node:worker_threads";

/** The shared counter's unit, and how often the worker updates it, in milliseconds. */
export const TICK_MS = 10;

let counter: Int32Array | null = null;

// The counter holds elapsed time, not a count of timer firings: on a busy machine the worker's
// timer fires late, and counting firings made the clock run slow (flushEvery 1 s flushed every
// 1.2-1.3 s under load). Reading the worker's own clock makes a late firing catch up.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const counter = new Int32Array(workerData.buffer);
const start = performance.now();
setInterval(() => Atomics.store(counter, 0, Math.floor((performance.now() - start) / workerData.tickMs)), workerData.tickMs);
`;

/** The shared counter (ticks since the worker started); starts the worker on first call. */
export function ticks(): Int32Array {
  if (counter) return counter;
  const buffer = new SharedArrayBuffer(4);
  counter = new Int32Array(buffer);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { buffer, tickMs: TICK_MS } });
  worker.unref();
  return counter;
}

/** Ticks in `ms` milliseconds, at least one. */
export function ticksFor(ms: number): number {
  return Math.max(1, Math.ceil(ms / TICK_MS));
}
