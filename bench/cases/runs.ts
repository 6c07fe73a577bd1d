/**
 * Runs: 1, 2 and 4 worker threads log scalars into one run, each into its own file, as
 * `H5Logger.inRun` gives them. Measured from the moment every thread is told to start (h5wasm
 * loaded, files open) to the last close(): the combined rows per second, and the rows per
 * second of CPU time the process used meanwhile (every thread's). Writers share nothing while
 * logging, so rows per CPU-second should not drop with more threads; the combined rate grows
 * with the cores the machine gives (2 here, shared with other programs).
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

interface Measured {
  /** Rows per second of wall-clock time, all threads together. */
  combined: number;
  /** Rows per second of CPU time (user + system, all threads of the process). */
  perCpu: number;
  /** The slowest thread's own ns per row. */
  nsPerRow: number;
}

/** One repetition: `threads` writers of `rows` rows each. */
async function measure(threads: number, rows: number, run: string): Promise<Measured> {
  const workers = Array.from({ length: threads }, (_, k) => new Worker(THREAD, { workerData: { run, writer: `w${k}`, rows } }));
  const next = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
  await Promise.all(workers.map(next)); // every thread ready
  const reports = workers.map((w) => next(w) as Promise<ThreadReport>);
  const cpu = process.cpuUsage();
  const go = performance.timeOrigin + performance.now();
  for (const w of workers) w.postMessage("go");
  const done = await Promise.all(reports);
  const end = Math.max(...done.map((d) => d.end));
  const used = process.cpuUsage(cpu);
  await Promise.all(workers.map((w) => w.terminate()));
  const slowest = Math.max(...done.map((d) => d.end - d.start));
  return {
    combined: (threads * rows) / ((end - go) / 1000),
    perCpu: (threads * rows) / ((used.user + used.system) / 1e6),
    nsPerRow: (slowest * 1e6) / rows,
  };
}

export async function runsCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const runs = new Map<number, Measured[]>();
  for (const threads of [1, 2, 4]) {
    runs.set(
      threads,
      await repeat(sizes.reps, async (rep) => {
        const run = path.join(tmp.dir, `run-${threads}-${rep}`);
        const measured = await measure(threads, sizes.runThreadRows, run);
        fs.rmSync(run, { recursive: true, force: true });
        return measured;
      }),
    );
  }
  const med = (threads: number, key: keyof Measured) => median((runs.get(threads) ?? []).map((m) => m[key]));
  const range = (threads: number) => {
    const all = (runs.get(threads) ?? []).map((m) => m.combined / 1e6);
    return `${Math.min(...all).toFixed(1)}–${Math.max(...all).toFixed(1)}`;
  };
  const one = med(1, "combined");
  const oneCpu = med(1, "perCpu");
  const row = (threads: number): Result => {
    const cpuRatio = med(threads, "perCpu") / oneCpu;
    return {
      case: `run: ${threads} worker thread${threads === 1 ? "" : "s"}`,
      ours: { value: med(threads, "combined") / 1e6, unit: "M rows/s" },
      ...(threads === 1 ? {} : { ratio: med(threads, "combined") / one }),
      target: threads === 1 ? "(the reference)" : "rows/CPU-s ≥ 0.8× one thread's",
      met: threads === 1 ? null : cpuRatio >= 0.8,
      note: `${threads} file${threads === 1 ? "" : "s"}, ${sizes.runThreadRows.toLocaleString("en-US")} scalars each, log() + close(); range ${range(threads)} M rows/s; ${(med(threads, "perCpu") / 1e6).toFixed(1)} M rows per CPU-second (${cpuRatio.toFixed(2)}× one thread's); slowest thread ${med(threads, "nsPerRow").toFixed(0)} ns/row`,
    };
  };
  return [row(1), row(2), row(4)];
}
