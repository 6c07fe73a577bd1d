/**
 * A writer for the viewer's benchmark (bench/cases/view.ts).
 *
 * Usage: node view-writer.js FILE swmr|plain SECONDS EVERY_MS ROWS
 * Every EVERY_MS for SECONDS, logs ROWS rows of "train/loss" (with steps), the last of them
 * holding Date.now(), then flushes and prints `{ "rows": TOTAL, "at": Date.now() }`: the page's
 * draw of that row, minus `at`, is the flush-to-screen latency.
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger } from "../../src/index.js";

const [file, mode, seconds, every, perFlush] = process.argv.slice(2);
if (!file || !mode || !seconds || !every || !perFlush) throw new Error("usage: view-writer.js FILE swmr|plain SECONDS EVERY_MS ROWS");
const say = (value: object) => fs.writeSync(1, `${JSON.stringify(value)}\n`);
const logger = new H5Logger(file, {
  replaceIfExists: true,
  steps: true,
  flushEvery: 60_000,
  ...(mode === "swmr" ? { concurrentReaders: true, datasets: { "train/loss": { dtype: "float64", shape: [] } } } : {}),
});
logger.log("train/loss", Date.now());
logger.flush();
say({ rows: 1, at: Date.now(), ready: true });
let rows = 1;
const end = Date.now() + Number(seconds) * 1000;
while (Date.now() < end) {
  await sleep(Number(every));
  for (let i = 0; i < Number(perFlush); i++) {
    logger.step = rows;
    logger.log("train/loss", i === Number(perFlush) - 1 ? Date.now() : Math.sin(rows));
    rows++;
  }
  logger.flush();
  say({ rows, at: Date.now() });
}
logger.close();
say({ closed: true, rows });
