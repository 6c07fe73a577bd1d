/**
 * Baseline: what most code does with h5wasm (and h5py users with h5py): grow the dataset by
 * one row and write that row, on every call. Goes through our adapter (the one module that
 * may import h5wasm) with `rows = 1`, which is the same two h5wasm calls.
 *
 * @module
 */
import * as hdf5 from "../../src/hdf5/index.js";
import { now } from "../measure.js";

/** Append `calls` scalars one at a time, then flush and close; returns milliseconds. */
export function perCallAppends(file: string, calls: number, chunkRows: number): number {
  const t0 = now();
  const handle = hdf5.createFile(file);
  hdf5.createDataset(handle, "/loss", "float64", { rowShape: [] }, chunkRows);
  const row = new Float64Array(1);
  for (let i = 0; i < calls; i++) {
    row[0] = i * 0.001;
    hdf5.appendRows(handle, "/loss", [], i, 1, row);
  }
  hdf5.flushFile(handle);
  hdf5.closeFile(handle);
  return now() - t0;
}
