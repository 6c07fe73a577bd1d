/**
 * Child program: follow a growing dataset from another process; every POLL_MS note how many
 * rows are visible. Stops once it has seen every row the writer wrote (FILE.done holds the
 * count). Prints one JSON line.
 *
 * Usage: latency-reader.ts FILE
 *
 * @module
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger } from "../../src/index.js";

export interface ReaderReport {
  /** [wall-clock ms, rows visible] whenever the count changed */
  seen: [number, number][];
  polls: number;
}

const POLL_MS = 5;
const [file] = process.argv.slice(2) as [string];
const wall = () => performance.timeOrigin + performance.now();
const reader = await H5Logger.open(file, { timeout: 30_000, retryEvery: POLL_MS });
const seen: [number, number][] = [];
let polls = 0;
let last = -1;
let doneAt = 0;
for (;;) {
  polls++;
  reader.refresh();
  const rows = reader.has("loss") ? reader.get("loss").length : 0;
  if (rows !== last) {
    seen.push([wall(), rows]);
    last = rows;
  }
  if (fs.existsSync(`${file}.done`)) {
    const total = Number(fs.readFileSync(`${file}.done`, "utf8"));
    doneAt ||= wall();
    if (rows >= total || wall() - doneAt > 5000) break;
  }
  await sleep(POLL_MS);
}
reader.close();
const report: ReaderReport = { seen, polls };
process.stdout.write(`${JSON.stringify(report)}\n`);
