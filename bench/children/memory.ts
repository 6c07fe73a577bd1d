/**
 * Child program: log scalars or 4 MiB rows while sampling RSS; prints one JSON line.
 *
 * Usage: memory.ts scalars|large AMOUNT FILE MAX_BUFFER_BYTES
 * (AMOUNT: calls for scalars, total bytes for large rows)
 *
 * @module
 */
import { H5Logger } from "../../src/index.js";

export interface MemoryReport {
  /** RSS before the first log(), after the logger opened its file. */
  startRss: number;
  maxRss: number;
  endRss: number;
  /** RSS after a tenth of the work, to tell a trend from a one-off growth. */
  tenthRss: number;
  samples: number;
  rowBytes: number;
}

const [kind, amountText, file, boundText] = process.argv.slice(2);
const amount = Number(amountText);
const rss = () => process.memoryUsage.rss();
const logger = new H5Logger(file as string, { replaceIfExists: true, maxBufferBytes: Number(boundText) });
const startRss = rss();
let maxRss = startRss;
let tenthRss = startRss;
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
      if (i < amount / 10) tenthRss = r;
    }
  }
} else {
  const row = new Float32Array(2 ** 20);
  rowBytes = row.byteLength;
  const rows = Math.round(amount / row.byteLength);
  for (let r = 0; r < rows; r++) {
    row[0] = r;
    logger.log("frames", row);
    const now = rss();
    samples++;
    if (now > maxRss) maxRss = now;
    if (r < rows / 10) tenthRss = now;
  }
}
logger.close();
const endRss = rss();
maxRss = Math.max(maxRss, endRss);
const report: MemoryReport = { startRss, maxRss, endRss, tenthRss, samples: samples + 1, rowBytes };
process.stdout.write(`${JSON.stringify(report)}\n`);
