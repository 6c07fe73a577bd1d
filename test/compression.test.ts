/**
 * Opt-in compression (issue 14): `compression: "gzip"` or `{ gzip: LEVEL }` for the whole logger
 * and per declared dataset. Values read back exactly by our reader and h5py, which (with h5ls)
 * also reports the filter; expected values are the rows logged here.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { have, python, run, tempDir } from "./helpers/interop.js";

/** Each dataset's filter as h5py reports it (`compression`, `compression_opts`), and a checksum of its values. */
function h5pyFilters(file: string): Record<string, [string | null, number | null, number]> {
  return python(
    `
import sys, json, zlib, h5py, numpy as np
out = {}
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            data = obj.asstr()[:].tolist() if h5py.check_string_dtype(obj.dtype) else obj[:]
            out[name] = [obj.compression, obj.compression_opts, zlib.crc32(json.dumps(data if isinstance(data, list) else data.tolist()).encode())]
    f.visititems(visit)
print(json.dumps(out))`,
    file,
  );
}

/** A 32×32 image with a square whose position moves with `i`: structured, so it compresses. */
function image(i: number): Uint8Array {
  const out = new Uint8Array(32 * 32);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) out[(y + (i % 24)) * 32 + x + ((i * 3) % 24)] = 200 + (i % 50);
  return out;
}

test("gzip for the whole logger: every dataset and its companions, but variable-length strings (and theirs); values exact", (t) => {
  const dir = tempDir(t);
  const files = { plain: path.join(dir, "plain.h5"), gzip: path.join(dir, "gzip.h5") };
  for (const [kind, file] of Object.entries(files)) {
    // Flushes every 37 rows: compressed chunks are rewritten as they fill, and must stay exact.
    const logger = new H5Logger(file, { compression: kind === "gzip" ? "gzip" : false, steps: true });
    for (let i = 0; i < 500; i++) {
      logger.step = i;
      logger.log("masks", { data: image(i), shape: [32, 32] });
      logger.log("loss", Math.exp(-i / 100));
      logger.log("count", BigInt(i) * 1000n);
      if (i % 50 === 0) logger.log("note", `step ${i}`);
      if (i % 37 === 36) logger.flush();
    }
    logger.close();
  }
  const read = (file: string) => {
    const reader = H5Logger.openSync(file);
    const out = Object.fromEntries(reader.keys().map((k) => [k, reader.get(k).toArray()]));
    reader.close();
    return out;
  };
  const gz = read(files.gzip);
  assert.deepEqual(gz, read(files.plain));
  assert.deepEqual(gz.loss?.slice(0, 2), [1, Math.exp(-1 / 100)]);
  const masks = gz.masks as number[][][];
  assert.deepEqual(masks[7]?.[7]?.slice(20, 30), [0, 207, 207, 207, 207, 207, 207, 207, 207, 0]);
  assert.ok(fs.statSync(files.gzip).size < fs.statSync(files.plain).size / 3, "images did not compress");

  if (!have(t, "h5py")) return;
  const filters = h5pyFilters(files.gzip);
  const plain = h5pyFilters(files.plain);
  for (const name of ["masks", "masks.step", "loss", "loss.step", "count", "count.step"]) {
    assert.deepEqual(filters[name]?.slice(0, 2), ["gzip", 4], name);
    assert.equal(filters[name]?.[2], plain[name]?.[2], `${name}: h5py reads other values than without compression`);
    assert.deepEqual(plain[name]?.slice(0, 2), [null, null], name);
  }
  // HDF5 would compress only the references of variable-length strings, not their text; companions go with their dataset.
  for (const name of ["note", "note.step"]) {
    assert.deepEqual(filters[name]?.slice(0, 2), [null, null], name);
    assert.equal(filters[name]?.[2], plain[name]?.[2], name);
  }
  if (have(t, "h5ls")) assert.match(run("h5ls", "-v", `${files.gzip}/masks`).stdout, /Filter-0: +deflate-1 +\{4\}/);
});

test("per declared dataset: a level, or none where the logger compresses", (t) => {
  const file = path.join(tempDir(t), "declared.h5");
  const logger = new H5Logger(file, {
    compression: { gzip: 1 },
    datasets: {
      fast: { dtype: "uint8", shape: [32, 32], compression: { gzip: 9 } },
      raw: { dtype: "float32", compression: false },
      note: { dtype: "string", maxBytes: 12, compression: "gzip" },
    },
  });
  for (let i = 0; i < 40; i++) {
    logger.log("fast", { data: image(i), shape: [32, 32] });
    logger.log("raw", i / 8);
    logger.log("note", `row ${i}`);
    logger.log("other", i);
  }
  logger.close();
  const reader = H5Logger.openSync(file);
  assert.deepEqual(
    Array.from(reader.get("raw").value as Float32Array),
    Array.from({ length: 40 }, (_, i) => i / 8),
  );
  assert.deepEqual((reader.get("note").value as string[]).slice(-2), ["row 38", "row 39"]);
  assert.deepEqual(Array.from((reader.get("fast").value as Uint8Array[])[5] as Uint8Array), Array.from(image(5)));
  assert.equal(reader.get("fast").storageBytes, null, "the allocated size of a compressed dataset is HDF5's to know");
  reader.close();
  if (!have(t, "h5py")) return;
  const filters = h5pyFilters(file);
  assert.deepEqual(Object.fromEntries(Object.entries(filters).map(([name, [c, level]]) => [name, [c, level]])), {
    fast: ["gzip", 9],
    raw: [null, null],
    note: ["gzip", 4],
    other: ["gzip", 1],
  });
});
