/**
 * The chunk rule (FORMAT.md): a dataset's chunk holds the rows it has when it is created, at
 * least {@link MIN_CHUNK_BYTES} and at most `chunkBytes`. HDF5 allocates whole chunks, so a
 * dataset then takes at most its rows plus max(its rows at creation, 2 KiB) on disk, whatever
 * it grows to; and a fast series, which fills its batch or half a flush interval before it is
 * created, gets full-size chunks (small ones cost time per chunk: BENCHMARKS.md). Pure.
 *
 * @module
 */
import { dtypeSize } from "../model/dtype.js";
import type { RowSpec } from "../model/rows.js";
import type { ColumnLayout } from "./column.js";

/**
 * The smallest chunk (unless one row is larger): what a short or slow series costs on disk
 * beyond its rows. With ~0.8 KiB of HDF5 metadata per dataset, a 3-row series takes ~3 KiB.
 */
export const MIN_CHUNK_BYTES = 2048;

/** Bytes one row takes in the file (variable-length strings: their 16-byte heap references). */
export function fileRowBytes(spec: RowSpec): number {
  const elements = spec.rowShape.reduce((a, b) => a * Math.max(1, b), 1);
  const size = spec.dtype === "string" ? (spec.maxBytes ?? 16) : dtypeSize(spec.dtype);
  return Math.max(1, elements * size);
}

/**
 * Rows per chunk for rows of `rowBytes` bytes, given the rows the dataset holds when it is
 * created; `null` when it is created before its first row (declared up front), which gets the
 * largest chunk, as nothing tells its rate.
 */
export function chunkRowsFor(rowBytes: number, rowsKnown: number | null, maxChunkBytes: number): number {
  const most = Math.max(1, Math.floor(maxChunkBytes / rowBytes));
  if (rowsKnown === null || rowsKnown <= 0) return most;
  const least = Math.min(most, Math.max(1, Math.floor(MIN_CHUNK_BYTES / rowBytes)));
  return Math.min(most, Math.max(least, rowsKnown));
}

/** The layout once the dataset's chunk holds `chunkRows` rows: batches of whole chunks where a chunk fits the budget. */
export function withChunkRows(layout: ColumnLayout, rowBytes: number, chunkRows: number): ColumnLayout {
  const budget = layout.batchBytes;
  // Whole chunks per batch, so appends of full batches rewrite no partial chunk.
  const batchRows = Math.max(1, Math.floor(budget / rowBytes / chunkRows) * chunkRows || Math.floor(budget / rowBytes));
  return { ...layout, chunkRows, batchRows };
}
