/**
 * What HDF5's chunk index costs when a long series has small chunks (issue 14): 100 million
 * float64 rows logged with chunks of 1 KiB to 64 KiB (the `chunkBytes` cap; a fast series gets
 * the cap by the chunk rule), then the bytes beyond the rows, the time to read the last 1,000
 * rows and to scan the whole series. Not part of `npm run bench`; run it with
 *
 *   npm run build:dev && node build/bench/chunk-index.js [--rows=100000000] [--chunks=65536,2048]
 *
 * @module
 */
import fs from "node:fs";
import { H5Logger } from "../src/index.js";
import { TempDir } from "./measure.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const ROWS = Number(arg("rows") ?? 100_000_000);
const CHUNKS = (arg("chunks") ?? "65536,16384,4096,2048,1024").split(",").map(Number);
const tmp = new TempDir();

console.log(`${ROWS.toLocaleString("en-US")} float64 rows per file (${((ROWS * 8) / 2 ** 20).toFixed(0)} MiB of rows)\n`);
console.log("| chunk | chunks | log() + close, ns/row | CPU ns/row | bytes beyond the rows | per chunk | last 1,000 rows | scan |");
console.log("|---|---|---|---|---|---|---|---|");
for (const chunkBytes of CHUNKS) {
  const file = tmp.file("index");
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const logger = new H5Logger(file, { replaceIfExists: true, chunkBytes });
  for (let i = 0; i < ROWS; i++) logger.log("loss", i * 0.001);
  logger.close();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const chunks = Math.ceil(ROWS / (chunkBytes / 8));
  const beyond = fs.statSync(file).size - ROWS * 8;

  const r0 = performance.now();
  const reader = H5Logger.openSync(file);
  reader.get("loss").slice(-1000);
  reader.close();
  const last = performance.now() - r0;

  const s0 = performance.now();
  const scanner = H5Logger.openSync(file);
  const view = scanner.get("loss");
  for (let at = 0; at < ROWS; at += 1 << 20) view.slice(at, at + (1 << 20));
  scanner.close();
  const scan = (ROWS * 8) / 2 ** 20 / ((performance.now() - s0) / 1000);

  console.log(
    `| ${chunkBytes / 1024} KiB | ${chunks.toLocaleString("en-US")} | ${((wall * 1e6) / ROWS).toFixed(1)} | ${(((cpu.user + cpu.system) * 1e3) / ROWS).toFixed(1)} | ${(beyond / 2 ** 20).toFixed(2)} MiB | ${(beyond / chunks).toFixed(1)} B | ${last.toFixed(1)} ms | ${scan.toFixed(0)} MiB/s |`,
  );
  tmp.drop(file);
}
tmp.remove();
