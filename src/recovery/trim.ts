/**
 * Trim what a writer killed in the middle of a flush can leave inside a file: a dataset and
 * its step/time companions with different row counts. Without concurrent readers HDF5 does
 * not order its metadata writes, so a flush cut short can persist one's new size and not the
 * other's; h5logger would then refuse to append (the rows would no longer line up). Only rows
 * of the interrupted flush are concerned; trimming cuts the group to the rows all its
 * members have.
 *
 * Not trimmed: a dataset grown over rows whose chunk index never reached the disk (reading
 * them fails with "incorrect metadata checksum"). HDF5 cannot shrink such a dataset, and an
 * HDF5 call that fails leaves h5wasm holding the file open, so this module never probes for
 * them: it works from row counts alone, and every call it makes succeeds on a sound file.
 *
 * @module
 */
import * as hdf5 from "../hdf5/index.js";
import { STEP_SUFFIX, TIME_SUFFIX } from "../model/names.js";

/** Rows trimming dropped from one dataset. */
export interface TrimmedDataset {
  /** Full path, like `train/loss`. */
  name: string;
  /** Rows before. */
  from: number;
  /** Rows after: as many as the dataset's companion with the fewest. */
  to: number;
}

/** What to cut: datasets whose companions (`NAME.step`, `NAME.time`) have a different row count. */
export function planTrim(file: hdf5.FileHandle): TrimmedDataset[] {
  const paths = hdf5.listDatasets(file);
  const rows = new Map(paths.map((p) => [p, hdf5.datasetInfo(file, p).shape[0] ?? 0]));
  const cuts: TrimmedDataset[] = [];
  for (const p of paths) {
    if (p.endsWith(STEP_SUFFIX) || p.endsWith(TIME_SUFFIX)) continue;
    const group = [p, p + STEP_SUFFIX, p + TIME_SUFFIX].filter((q) => rows.has(q));
    if (group.length < 2) continue;
    const least = Math.min(...group.map((q) => rows.get(q) ?? 0));
    for (const q of group) {
      const from = rows.get(q) ?? 0;
      if (from > least) cuts.push({ name: q.slice(1), from, to: least });
    }
  }
  return cuts;
}

/** Cut the datasets as planned, in a file opened for writing; returns the cuts that failed. */
export function applyTrim(file: hdf5.FileHandle, plan: readonly TrimmedDataset[]): { name: string; error: string }[] {
  const failed: { name: string; error: string }[] = [];
  for (const cut of plan) {
    try {
      hdf5.resizeRows(file, `/${cut.name}`, cut.to);
    } catch (err) {
      failed.push({ name: cut.name, error: (err as Error).message });
    }
  }
  return failed;
}
