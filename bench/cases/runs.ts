/**
 * Runs: 1, 2 and 4 worker threads log scalars into one run, each into its own file, as
 * `H5Logger.inRun` gives them. Measured: the combined rows per second, from the moment every
 * thread is told to start (h5wasm loaded, files open) to the last close(). Writers share
 * nothing while logging, so on this 2-core machine 2 threads should near twice one, and 4
 * should hold the figure of 2.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { ThreadReport } from "../children/run-thread.js";
import { median, repeat, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";

const THREAD = new URL("../children/run-thread.js", import.meta.url);

/** One repetition: `threads` writers of `rows` rows each; returns the combined rows per second. */
async function combined(threads: number, rows: number, run: string): Promise<number> {
  const workers = Array.from({ length: threads }, (_, k) => new Worker(THREAD, { workerData: { run, writer: `w${k}`, rows } }));
  const next = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
  await Promise.all(workers.map(next)); // every thread ready
  const reports = workers.map((w) => next(w) as Promise<ThreadReport>);
  const go = performance.timeOrigin + performance.now();
  for (const w of workers) w.postMessage("go");
  const done = await Promise.all(reports);
  await Promise.all(workers.map((w) => w.terminate()));
  const end = Math.max(...done.map((d) => d.end));
  return (threads * rows) / ((end - go) / 1000);
}

export async function runsCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const rates = new Map<number, number[]>();
  for (const threads of [1, 2, 4]) {
    rates.set(
      threads,
      await repeat(sizes.reps, async (rep) => {
        const run = path.join(tmp.dir, `run-${threads}-${rep}`);
        const rate = await combined(threads, sizes.runThreadRows, run);
        fs.rmSync(run, { recursive: true, force: true });
        return rate;
      }),
    );
  }
  const rate = (threads: number) => median(rates.get(threads) ?? []);
  const one = rate(1);
  const rows = sizes.runThreadRows.toLocaleString("en-US");
  const range = (threads: number) => {
    const all = rates.get(threads) ?? [];
    return `${(Math.min(...all) / 1e6).toFixed(1)}–${(Math.max(...all) / 1e6).toFixed(1)}`;
  };
  return [
    {
      case: "run: 1 worker thread",
      ours: { value: one / 1e6, unit: "M rows/s" },
      target: "(the reference)",
      met: null,
      note: `${rows} scalars per thread, log() + close() of each; range ${range(1)} M rows/s`,
    },
    {
      case: "run: 2 worker threads",
      ours: { value: rate(2) / 1e6, unit: "M rows/s" },
      ratio: rate(2) / one,
      target: "≥ 1.5× one thread",
      met: rate(2) / one >= 1.5,
      note: `combined, 2 files; range ${range(2)} M rows/s`,
    },
    {
      case: "run: 4 worker threads",
      ours: { value: rate(4) / 1e6, unit: "M rows/s" },
      ratio: rate(4) / one,
      target: "≥ 0.8× two threads (2 cores)",
      met: rate(4) >= 0.8 * rate(2),
      note: `combined, 4 files on 2 cores; range ${range(4)} M rows/s`,
    },
  ];
}
