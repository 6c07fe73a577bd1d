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
import { type TempDir, median, mib, now, repeat } from "../measure.js";
import { type Result, nsPerCall } from "../result.js";
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

export async function largeArraysCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const row = new Float32Array(LARGE_ROW_ELEMENTS).map((_, i) => i * 0.5);
  const rows = Math.max(1, Math.round(sizes.largeBytes / row.byteLength));
  const bytes = rows * row.byteLength;
  const mbps = (ms: number) => mib(bytes) / (ms / 1000);
  const out: Result[] = [];
  for (const fsync of [false, true]) {
    const ours: number[] = [];
    const base: number[] = [];
    // Interleaved, in alternating order, each after a `sync` so that neither pays for the
    // other's dirty pages: both see the same state of the page cache and the disk.
    const runBase = () => {
      const b = tmp.file("raw", ".bin");
      settleDisk();
      base.push(writeSyncRows(b, row, rows, fsync));
      tmp.drop(b);
    };
    const runOurs = () => {
      const o = tmp.file("large");
      settleDisk();
      ours.push(logRows(o, row, rows, fsync));
      tmp.drop(o);
    };
    await repeat(sizes.reps, (rep) => {
      if (rep % 2 === 0) {
        runBase();
        runOurs();
      } else {
        runOurs();
        runBase();
      }
    });
    const oursRate = mbps(median(ours));
    const baseRate = mbps(median(base));
    out.push({
      case: fsync ? "large arrays (4 MiB rows), fsync" : "large arrays (4 MiB rows)",
      ours: { value: oursRate, unit: "MiB/s" },
      baseline: { name: "fs.writeSync", value: baseRate, unit: "MiB/s" },
      ratio: oursRate / baseRate,
      target: "≥ 0.9×",
      met: oursRate / baseRate >= 0.9,
      note: fsync
        ? "the same, each side fsyncs its file before the clock stops: both wait for the disk"
        : `${rows} rows, ${mib(bytes).toFixed(0)} MiB per repetition, interleaved with the baseline; no fsync on either side (both measure the way to the page cache, which is what flush() promises)`,
    });
  }
  return out;
}
