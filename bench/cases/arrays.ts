/**
 * Arrays: Float32Array(64) rows (time per call) and 4 MiB Float32Array rows (throughput
 * against fs.writeSync of the same bytes, in the same run, interleaved).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { H5Logger } from "../../src/index.js";
import { writeSyncRows } from "../baselines/write-sync.js";
import { median, mib, now, repeat, type TempDir } from "../measure.js";
import { nsPerCall, type Result } from "../result.js";
import type { Sizes } from "../sizes.js";

/** Write every dirty page of the system to disk (outside the timings). */
function settleDisk(): void {
  execFileSync("sync");
}

/** Elements of a 4 MiB Float32Array row. */
export const LARGE_ROW_ELEMENTS = 2 ** 20;

/** Log `rows` copies of `row` (changing one element each time); returns milliseconds. */
export function logRows(file: string, row: Float32Array, rows: number, fsync = false): number {
  const t0 = now();
  const logger = new H5Logger(file, { replaceIfExists: true });
  for (let r = 0; r < rows; r++) {
    row[0] = r;
    logger.log("frames", row);
  }
  logger.close();
  if (fsync) {
    const fd = fs.openSync(file, "r");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  return now() - t0;
}

export async function smallArraysCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const row = new Float32Array(64).map((_, i) => i);
  const ms = median(
    await repeat(sizes.reps, () => {
      const file = tmp.file("small");
      const t = logRows(file, row, sizes.smallRows);
      tmp.drop(file);
      return t;
    }),
  );
  const ours = nsPerCall(ms, sizes.smallRows);
  return [
    {
      case: "small arrays (Float32Array(64))",
      ours,
      target: "≤ 300 ns/call",
      met: ours.value <= 300,
      note: `${sizes.smallRows.toLocaleString("en-US")} rows (${mib(sizes.smallRows * 256).toFixed(0)} MiB); ${((256 / ours.value) * 1e3).toFixed(0)} MB/s`,
    },
  ];
}

/** Wall and CPU milliseconds of one call. */
function withCpu(fn: () => number): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const wall = fn();
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

export async function largeArraysCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const row = new Float32Array(LARGE_ROW_ELEMENTS).map((_, i) => i * 0.5);
  const rows = Math.max(1, Math.round(sizes.largeBytes / row.byteLength));
  const bytes = rows * row.byteLength;
  const rate = (ms: number) => mib(bytes) / (ms / 1000);
  // Writes into the page cache vary 10x from run to run on a virtual machine (fresh guest pages
  // are slow to fault in): more repetitions here, a warm-up pair first, and CPU time beside.
  const reps = sizes.reps + 2;
  const out: Result[] = [];
  for (const fsync of [false, true]) {
    const ours: { wall: number; cpu: number }[] = [];
    const base: { wall: number; cpu: number }[] = [];
    // Interleaved, in alternating order, each after a `sync` so that neither pays for the
    // other's dirty pages: both see the same state of the page cache and the disk.
    const runBase = (keep: boolean) => {
      const b = tmp.file("raw", ".bin");
      settleDisk();
      const t = withCpu(() => writeSyncRows(b, row, rows, fsync));
      if (keep) base.push(t);
      tmp.drop(b);
    };
    const runOurs = (keep: boolean) => {
      const o = tmp.file("large");
      settleDisk();
      const t = withCpu(() => logRows(o, row, rows, fsync));
      if (keep) ours.push(t);
      tmp.drop(o);
    };
    runBase(false);
    runOurs(false);
    await repeat(reps, (rep) => {
      if (rep % 2 === 0) {
        runBase(true);
        runOurs(true);
      } else {
        runOurs(true);
        runBase(true);
      }
    });
    const oursRate = rate(median(ours.map((t) => t.wall)));
    const baseRate = rate(median(base.map((t) => t.wall)));
    const spread = (ts: { wall: number }[]) =>
      `${rate(Math.max(...ts.map((t) => t.wall))).toFixed(0)}–${rate(Math.min(...ts.map((t) => t.wall))).toFixed(0)}`;
    const cpuRatio = median(base.map((t) => t.cpu)) / median(ours.map((t) => t.cpu));
    const how = fsync
      ? "each side fsyncs its file before the clock stops (both wait for the disk)"
      : "no fsync on either side (both measure the way to the page cache, which is what flush() promises)";
    out.push({
      case: fsync ? "large arrays (4 MiB rows), fsync" : "large arrays (4 MiB rows)",
      ours: { value: oursRate, unit: "MiB/s" },
      baseline: { name: "fs.writeSync", value: baseRate, unit: "MiB/s" },
      ratio: oursRate / baseRate,
      target: "≥ 0.9×",
      met: oursRate / baseRate >= 0.9,
      note: `${rows} rows, ${mib(bytes).toFixed(0)} MiB per repetition, ${reps} repetitions interleaved with the baseline; ${how}. Range over repetitions: ours ${spread(ours)}, fs.writeSync ${spread(base)} MiB/s; by CPU time (user + system) ours does the same work at ${cpuRatio.toFixed(2)}× the rate of fs.writeSync`,
    });
  }
  return out;
}
