/**
 * Child program of bench/soak.ts: log at full speed, with concurrent readers on, for SECONDS;
 * never more than MAX_ROWS_PER_S on average (the disk is finite: unthrottled, the writer
 * fills ~220 MB/s). Every second prints a JSON sample; at the end `{ done, rows }`.
 *
 * Row i: `x` = i (float64), `grid/v` = 16 float32s (i + k) % 1,000,000, `n` = 3i (int64):
 * 80 bytes a row.
 *
 * Usage: soak-writer.ts FILE SECONDS MAX_ROWS_PER_S
 *
 * @module
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger } from "../../src/index.js";

const [file, seconds, maxRate] = process.argv.slice(2) as [string, string, string];
const report = (value: unknown) => fs.writeSync(1, `${JSON.stringify(value)}\n`);
const sample = (extra: object) => {
  const m = process.memoryUsage();
  report({ t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, ...extra });
};
const logger = new H5Logger(file, {
  replaceIfExists: true,
  flushEvery: 200,
  concurrentReaders: true,
  datasets: { x: { dtype: "float64", shape: [] }, "grid/v": { dtype: "float32", shape: [16] }, n: { dtype: "int64", shape: [] } },
});
const v = new Float32Array(16);
const start = performance.now();
const end = start + Number(seconds) * 1000;
const rowsPerMs = Number(maxRate) / 1000;
let rows = 0;
let nextSample = 0;
let busy = 0;
report({ ready: true, pid: process.pid });
while (performance.now() < end) {
  // A burst at full speed, up to what the byte budget allows by now; then a pause.
  const burstStart = performance.now();
  const allowed = Math.floor((burstStart - start) * rowsPerMs) + 10_000;
  while (rows < allowed && performance.now() - burstStart < 50) {
    for (let k = 0; k < 256; k++, rows++) {
      logger.log("x", rows);
      for (let j = 0; j < 16; j++) v[j] = (rows + j) % 1_000_000;
      logger.log("grid/v", v);
      logger.log("n", BigInt(rows) * 3n);
    }
  }
  busy += performance.now() - burstStart;
  if (performance.now() >= nextSample) {
    sample({ rows, busyMs: Math.round(busy) });
    nextSample = performance.now() + 1000;
  }
  await sleep(rows >= allowed ? 20 : 0);
}
logger.close();
sample({ rows, busyMs: Math.round(busy) });
report({ done: true, rows, seconds: (performance.now() - start) / 1000, busySeconds: busy / 1000 });
