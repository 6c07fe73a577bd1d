/**
 * Measurements behind the layout defaults: chunk size (the `chunkBytes` option) and batch size
 * (BATCH_BYTES in src/logger.ts). Not part of `npm run bench`; run it with
 *
 *   npm run build:dev && node build/bench/tune.js [--quick]
 *
 * Variants are interleaved and each figure is the median of a few runs, with CPU time next to
 * wall time (CPU time moves less when other programs share the machine).
 *
 * @module
 */
import fs from "node:fs";
import * as hdf5 from "../src/hdf5/index.js";
import { H5Logger } from "../src/index.js";
import { wideNames } from "./cases/wide.js";
import { median, mib, TempDir } from "./measure.js";

const quick = process.argv.includes("--quick");
const REPS = quick ? 2 : 3;
const CHUNKS = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024];
const tmp = new TempDir();

interface Sample {
  wall: number;
  cpu: number;
}

function measure(fn: () => void): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/** Run each variant REPS times, interleaved; returns the median wall and CPU ms per variant. */
function compare<V>(variants: readonly V[], fn: (v: V) => void): Map<V, Sample> {
  const samples = new Map<V, Sample[]>(variants.map((v) => [v, []]));
  for (const v of variants) fn(v); // warm-up: V8 compiles JavaScript and HDF5's WebAssembly
  for (let rep = 0; rep < REPS; rep++) for (const v of variants) samples.get(v)?.push(measure(() => fn(v)));
  return new Map([...samples].map(([v, s]) => [v, { wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)) }]));
}

const kib = (b: number) => `${b / 1024} KiB`;
const line = (label: string, s: Sample, per: number, unit = "ns/call") =>
  console.log(
    `  ${label.padEnd(28)} ${((s.wall * 1e6) / per).toFixed(1).padStart(8)} ${unit} wall, ${((s.cpu * 1e6) / per).toFixed(1).padStart(8)} ${unit} cpu`,
  );

function withLogger(options: object, body: (logger: H5Logger) => void): string {
  const file = tmp.file("tune");
  const logger = new H5Logger(file, { replaceIfExists: true, ...options });
  body(logger);
  logger.close();
  return file;
}

// 1. Scalars and Float32Array(64) rows, per chunk size.
const SCALARS = quick ? 2_000_000 : 5_000_000;
console.log(`\nScalars: ${SCALARS.toLocaleString("en-US")} log("loss", x) per run, by chunkBytes`);
for (const [chunk, s] of compare(CHUNKS, (chunkBytes) => {
  const f = withLogger({ chunkBytes }, (l) => {
    for (let i = 0; i < SCALARS; i++) l.log("loss", i * 0.001);
  });
  tmp.drop(f);
}))
  line(kib(chunk), s, SCALARS);

const SMALL = quick ? 300_000 : 1_000_000;
console.log(`\nFloat32Array(64) rows: ${SMALL.toLocaleString("en-US")} per run, by chunkBytes`);
const row = new Float32Array(64);
for (const [chunk, s] of compare(CHUNKS, (chunkBytes) => {
  const f = withLogger({ chunkBytes }, (l) => {
    for (let i = 0; i < SMALL; i++) {
      row[0] = i;
      l.log("frames", row);
    }
  });
  tmp.drop(f);
}))
  line(kib(chunk), s, SMALL);

// 2. Wide: 1,000 names, flushed every 250 ms, so that every flush appends part of a chunk.
const STEPS = quick ? 1000 : 3000;
const names = wideNames(1000);
console.log(`\nWide: 1,000 names × ${STEPS} steps, flushEvery 250 ms, by chunkBytes (file size after)`);
const sizes = new Map<number, number>();
for (const [chunk, s] of compare(CHUNKS, (chunkBytes) => {
  const f = withLogger({ chunkBytes, flushEvery: 250 }, (l) => {
    for (let step = 0; step < STEPS; step++) for (let n = 0; n < names.length; n++) l.log(names[n] as string, step);
  });
  sizes.set(chunkBytes, fs.statSync(f).size);
  tmp.drop(f);
}))
  line(`${kib(chunk)} (${mib(sizes.get(chunk) ?? 0).toFixed(0)} MiB file)`, s, names.length * STEPS);

// 3. Reading the last 1,000 rows, per chunk size.
const ROWS = quick ? 2_000_000 : 10_000_000;
console.log(`\nRead the last 1,000 of ${ROWS.toLocaleString("en-US")} rows (open + slice + close), by chunkBytes`);
for (const chunkBytes of CHUNKS) {
  const f = withLogger({ chunkBytes }, (l) => {
    for (let i = 0; i < ROWS; i++) l.log("loss", i);
  });
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    const r = H5Logger.openSync(f);
    r.get("loss").slice(-1000);
    r.close();
    times.push(performance.now() - t0);
  }
  console.log(`  ${kib(chunkBytes).padEnd(28)} ${median(times).toFixed(2).padStart(8)} ms`);
  tmp.drop(f);
}

// 4. Batch size: the cost of appending 64 MiB of scalars through the adapter, by rows per append.
console.log("\nBatch size: appending 64 MiB of float64 through the adapter (64 KiB chunks), by batch");
const TOTAL_ROWS = 8 * 2 ** 20;
const BATCHES = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024];
for (const [batch, s] of compare(BATCHES, (batchBytes) => {
  const rows = batchBytes / 8;
  const data = new Float64Array(rows).map((_, i) => i);
  const f = tmp.file("batch");
  const h = hdf5.createFile(f);
  hdf5.createDataset(h, "/x", "float64", { rowShape: [] }, 8192);
  for (let r = 0; r < TOTAL_ROWS; r += rows) hdf5.appendRows(h, "/x", [], r, rows, data);
  hdf5.closeFile(h);
  tmp.drop(f);
}))
  line(kib(batch), s, TOTAL_ROWS, "ns/row");

tmp.remove();
