/**
 * Chunk sizes (issue 14): a dataset's chunk holds the rows it has when it is created, between
 * 2 KiB and `chunkBytes`, so that short series are sized by their data and fast ones get
 * full chunks. The rule by itself (no HDF5), then files checked through h5py and file sizes.
 * Expected chunk shapes are worked out by hand here from the rule in FORMAT.md.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger } from "../src/index.js";
import { chunkRowsFor, fileRowBytes, MIN_CHUNK_BYTES, withChunkRows } from "../src/write/chunks.js";
import { have, python, tempDir } from "./helpers/interop.js";

const KiB = 1024;

/** Each dataset's chunk shape and shape, as h5py reports them. */
function h5pyLayout(file: string): Record<string, { chunks: number[] | null; shape: number[] }> {
  return python(
    `
import sys, json, h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(lambda name, obj: out.__setitem__(name, {"chunks": list(obj.chunks) if obj.chunks else None, "shape": list(obj.shape)}) if isinstance(obj, h5py.Dataset) else None)
print(json.dumps(out))`,
    file,
  );
}

describe("the rule", () => {
  test("a chunk holds the rows known at creation, at least 2 KiB, at most chunkBytes", () => {
    assert.equal(MIN_CHUNK_BYTES, 2 * KiB);
    // float64 rows: 256 to 8,192 rows in 2 KiB to 64 KiB.
    assert.equal(chunkRowsFor(8, 3, 64 * KiB), 256);
    assert.equal(chunkRowsFor(8, 256, 64 * KiB), 256);
    assert.equal(chunkRowsFor(8, 5000, 64 * KiB), 5000);
    assert.equal(chunkRowsFor(8, 131072, 64 * KiB), 8192);
    // Created before any row: the largest.
    assert.equal(chunkRowsFor(8, null, 64 * KiB), 8192);
    assert.equal(chunkRowsFor(8, 0, 64 * KiB), 8192);
    // Bytes: 2,048 rows in the smallest chunk, 65,536 in the largest.
    assert.equal(chunkRowsFor(1, 1, 64 * KiB), 2048);
    // A row larger than the smallest chunk: as many rows as known, still whole rows.
    assert.equal(chunkRowsFor(784, 3, 64 * KiB), 3);
    assert.equal(chunkRowsFor(784, 1, 64 * KiB), 2);
    assert.equal(chunkRowsFor(4 * 1024 * KiB, 5, 64 * KiB), 1);
    // chunkBytes below the smallest chunk wins.
    assert.equal(chunkRowsFor(8, 3, 1 * KiB), 128);
  });

  test("row bytes as stored: elements times their size; strings by maxBytes, else a 16-byte reference", () => {
    assert.equal(fileRowBytes({ dtype: "float64", rowShape: [] }), 8);
    assert.equal(fileRowBytes({ dtype: "uint8", rowShape: [28, 28] }), 784);
    assert.equal(fileRowBytes({ dtype: "bool", rowShape: [] }), 1);
    assert.equal(fileRowBytes({ dtype: "string", rowShape: [] }), 16);
    assert.equal(fileRowBytes({ dtype: "string", rowShape: [], maxBytes: 64 }), 64);
    assert.equal(fileRowBytes({ dtype: "float32", rowShape: [0] }), 4);
  });

  test("batches are whole chunks where a chunk fits the batch budget", () => {
    const layout = { chunkRows: 0, batchRows: 0, batchBytes: 1024 * KiB, maxChunkBytes: 64 * KiB, deflate: null };
    assert.equal(withChunkRows(layout, 8, 8192).batchRows, 131072);
    assert.equal(withChunkRows(layout, 8, 5000).batchRows, 130000);
    assert.equal(withChunkRows(layout, 8, 5000).chunkRows, 5000);
    // A row larger than the budget: one row per batch.
    assert.equal(withChunkRows(layout, 4 * 1024 * KiB, 1).batchRows, 1);
  });
});

describe("in files, as h5py reports the chunks", () => {
  test("short series get small chunks, their companions too; fast ones full chunks", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempDir(t), "chunks.h5");
    const logger = new H5Logger(file, { flushEvery: 60_000 });
    for (let i = 0; i < 3; i++) logger.log("short", i, { step: i });
    logger.log("flag", true, { step: 0 });
    for (let i = 0; i < 5000; i++) logger.log("medium", i);
    // 200,000 rows: the first batch (131,072 rows) fills before any flush.
    for (let i = 0; i < 200_000; i++) logger.log("fast", i);
    for (let i = 0; i < 3; i++) logger.log("image", new Uint8Array(784));
    logger.close();
    const layout = h5pyLayout(file);
    const chunks = Object.fromEntries(Object.entries(layout).map(([name, d]) => [name, d.chunks]));
    assert.deepEqual(chunks, {
      short: [256],
      "short.step": [256],
      // A bool's step column once got a 512 KiB chunk for one row.
      flag: [2048],
      "flag.step": [256],
      medium: [5000],
      fast: [8192],
      image: [3, 784],
    });
    assert.deepEqual(layout.medium.shape, [5000]);
  });

  test("chunkBytes caps the chunk; datasets declared up front get the largest", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempDir(t), "declared.h5");
    const logger = new H5Logger(file, { chunkBytes: 16 * KiB, steps: true, datasets: { ok: { dtype: "bool", shape: [] } } });
    for (let i = 0; i < 200_000; i++) logger.log("capped", i);
    logger.close();
    const layout = h5pyLayout(file);
    assert.deepEqual(layout.capped.chunks, [2048]);
    assert.deepEqual(layout.ok.chunks, [16384]);
    assert.deepEqual(layout["ok.step"].chunks, [2048]);
  });

  test("a dataset first logged just before a scheduled flush is created once it has shown its rate", async (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempDir(t);
    // The flush clock's worker thread starts with the first logger of the process: let it run first.
    new H5Logger(path.join(dir, "clock.h5")).close();
    await sleep(500);
    const file = path.join(dir, "young.h5");
    const flushEvery = 2000;
    const logger = new H5Logger(file, { flushEvery });
    const start = performance.now();
    // Rows by the clock, 0.8 per ms: "late" from 1,750 ms, 250 ms before the first scheduled
    // flush. Created at that flush, it would hold ~200 rows and get the smallest chunk (256
    // rows); it waits for its own deadline instead, with at least half a flush interval of
    // rows (~800; fewer only if this process stalls for more than half a second).
    let late = 0;
    for (let elapsed = 0; elapsed < 3200; elapsed = performance.now() - start) {
      logger.log("early", elapsed);
      while (elapsed >= 1750 && late < (elapsed - 1750) * 0.8) logger.log("late", late++);
    }
    logger.close();
    const layout = h5pyLayout(file);
    const [chunk] = layout.late.chunks as number[];
    assert.ok((chunk as number) > 400, `late got ${chunk}-row chunks`);
    assert.deepEqual(layout.late.shape, [late]);
    assert.deepEqual(layout.early.chunks, [8192], "early filled its first batch");
  });

  test("1,000 short series take at most twice their rows plus 4 KiB a dataset (was 64 KiB each)", (t) => {
    const dir = tempDir(t);
    for (const steps of [false, true]) {
      const file = path.join(dir, `many-${steps}.h5`);
      const logger = new H5Logger(file, { steps });
      for (let row = 0; row < 3; row++) for (let n = 0; n < 1000; n++) logger.log(`layer${Math.floor(n / 10)}/m${n % 10}`, row);
      logger.close();
      const datasets = steps ? 2000 : 1000;
      const bound = 2 * (datasets * 3 * 8) + datasets * 4 * KiB;
      const size = fs.statSync(file).size;
      assert.ok(size <= bound, `${size} bytes for ${datasets} datasets, more than ${bound}`);
    }
  });
});
