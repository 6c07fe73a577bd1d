/**
 * Child program: log scalars as fast as possible for SECONDS with flushEvery 1 s and
 * concurrent readers on; the value of row i is i. Every 2^16 rows it notes when that row was
 * logged (wall clock, ms). Prints one JSON line; then writes FILE.done with the row count.
 *
 * Usage: latency-writer.ts FILE SECONDS (it waits 1.5 s before logging, for the reader to open the file)
 *
 * @module
 */
import fs from "node:fs";
import { H5Logger } from "../../src/index.js";

export interface WriterReport {
  rows: number;
  /** [row index, wall-clock ms when it was logged] */
  logged: [number, number][];
}

const [file, secondsText] = process.argv.slice(2) as [string, string];
const wall = () => performance.timeOrigin + performance.now();
const logger = new H5Logger(file, {
  replaceIfExists: true,
  flushEvery: 1000,
  concurrentReaders: true,
  datasets: { loss: { dtype: "float64", shape: [] } },
});
// Give the reader (another process, started at the same time) time to open the file.
await new Promise((resolve) => setTimeout(resolve, 1500));
const logged: [number, number][] = [];
const end = wall() + Number(secondsText) * 1000;
let i = 0;
for (;;) {
  logger.log("loss", i);
  if ((i & 0xffff) === 0) {
    const t = wall();
    logged.push([i, t]);
    if (t > end) break;
  }
  i++;
}
logger.close();
const report: WriterReport = { rows: i + 1, logged };
fs.writeFileSync(`${file}.done`, String(report.rows));
process.stdout.write(`${JSON.stringify(report)}\n`);
