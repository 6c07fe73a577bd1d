/**
 * Child program: log scalars or 4 MiB rows while sampling RSS; prints one JSON line.
 *
 * Usage: memory.ts scalars|large AMOUNT FILE MAX_BUFFER_BYTES
 * (AMOUNT: calls for scalars, total bytes for large rows)
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger } from "../../src/index.js";

export interface MemoryReport {
  /** RSS before the first log(), after the logger opened its file. */
  startRss: number;
  maxRss: number;
  endRss: number;
  /** RSS half-way, and the most after that: a trend shows as growth in the second half. */
  halfRss: number;
  maxLaterRss: number;
  samples: number;
  rowBytes: number;
}

const [kind, amountText, file, boundText] = process.argv.slice(2);
const amount = Number(amountText);
const rss = () => process.memoryUsage.rss();
const logger = new H5Logger(file as string, { replaceIfExists: true, maxBufferBytes: Number(boundText) });
// The caller's own row exists before logging starts: it is not the logger's memory.
const row = new Float32Array(kind === "scalars" ? 1 : 2 ** 20);
// The logger's clock thread (src/ticker.ts) starts with the first logger; let it settle first.
await sleep(500);
const startRss = rss();
let maxRss = startRss;
let halfRss = 0;
let maxLaterRss = 0;
let samples = 0;
let rowBytes = 8;

if (kind === "scalars") {
  const every = 1_000_000;
  for (let i = 0; i < amount; i++) {
    logger.log("loss", i * 0.001);
    if (i % every === every - 1) {
      const r = rss();
      samples++;
      if (r > maxRss) maxRss = r;
      if (i < amount / 2) halfRss = r;
      else if (r > maxLaterRss) maxLaterRss = r;
    }
  }
} else {
  rowBytes = row.byteLength;
  const rows = Math.round(amount / row.byteLength);
  for (let r = 0; r < rows; r++) {
    row[0] = r;
    logger.log("frames", row);
    const now = rss();
    samples++;
    if (now > maxRss) maxRss = now;
    if (r < rows / 2) halfRss = now;
    else if (now > maxLaterRss) maxLaterRss = now;
  }
}
logger.close();
const endRss = rss();
maxRss = Math.max(maxRss, endRss);
const report: MemoryReport = {
  startRss,
  maxRss,
  endRss,
  halfRss,
  maxLaterRss: Math.max(maxLaterRss, endRss),
  samples: samples + 1,
  rowBytes,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
