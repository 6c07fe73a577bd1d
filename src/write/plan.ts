/**
 * What a new column looks like: its dtype and row shape (from the value, a declaration or an
 * existing dataset), whether an existing dataset can take its rows, and its chunk and batch sizes.
 *
 * The chunk rule itself is in chunks.ts.
 *
 * @module
 */

import fs from "node:fs";
import path from "node:path";
import * as hdf5 from "../hdf5/index.js";
import { dtypeSize } from "../model/dtype.js";
import { InvalidNameError, InvalidValueError } from "../model/errors.js";
import { withExtension } from "../model/filename.js";
import { hdf5Path, STEP_SUFFIX, TIME_SUFFIX } from "../model/names.js";
import { MAX_ROW_BYTES, type NormalisedDeclaration, type ResolvedOptions } from "../model/options.js";
import { formatShape, inferRowSpec, type RowSpec } from "../model/rows.js";
import { chunkRowsFor, fileRowBytes, withChunkRows } from "./chunks.js";
import type { ColumnLayout, Companions } from "./column.js";

/** Batches larger than this gain nothing measurable and only hold memory. */
const BATCH_BYTES = 1024 * 1024;

/**
 * An existing dataset keeps its dtype when the value's dtype was only inferred: rows are then
 * checked against the stored dtype one by one, so 5 goes into an int64 dataset and 0.5 does not.
 */
export function storedDtype(file: hdf5.FileHandle, name: string, spec: RowSpec): RowSpec {
  if (hdf5.objectKind(file, hdf5Path(name)) !== "dataset") return spec;
  const info = hdf5.datasetInfo(file, hdf5Path(name));
  // A fixed-length string dataset keeps its length too.
  const maxBytes = info.fixedStringSize > 0 ? { maxBytes: info.fixedStringSize } : {};
  if (info.dtype === null || (info.dtype === spec.dtype && info.fixedStringSize === 0)) return spec;
  return { dtype: info.dtype, rowShape: spec.rowShape, ...maxBytes };
}

/** The row spec of a first value, with what a declaration fixes taking precedence. */
export function specFor(name: string, value: unknown, declared: NormalisedDeclaration): RowSpec {
  const inferred = inferRowSpec(name, value);
  const dtype = declared.dtype ?? inferred.dtype;
  const rowShape = declared.rowShape ?? inferred.rowShape;
  const rowBytes = rowShape.reduce((a, b) => a * b, 1) * (dtype === "string" ? 8 : dtypeSize(dtype));
  if (rowBytes > MAX_ROW_BYTES) {
    throw new InvalidValueError(
      name,
      `a row of ${formatShape(rowShape)} ${dtype} is ${rowBytes} bytes, more than the ${MAX_ROW_BYTES} bytes (512 MiB) one row can take: HDF5 writes it through its WebAssembly memory (2 GiB at most); split it into several datasets or rows`,
    );
  }
  const maxBytes = dtype === "string" && declared.maxBytes !== undefined ? { maxBytes: declared.maxBytes } : {};
  if (declared.rowRank !== undefined && rowShape.length !== declared.rowRank) {
    throw new InvalidValueError(
      name,
      `declared with rank ${declared.rowRank + 1}, so rows need ${declared.rowRank} dimensions; got ${formatShape(inferred.rowShape)}`,
    );
  }
  return { dtype, rowShape, ...maxBytes };
}

/** Check that an existing dataset can take our rows; returns its row count and rows per chunk. */
export function checkAppendable(file: hdf5.FileHandle, name: string, spec: RowSpec): { rows: number; chunkRows: number } {
  const info = hdf5.datasetInfo(file, hdf5Path(name));
  const where = `${name} (existing dataset)`;
  if (info.dtype === null) throw new InvalidValueError(where, `stored type ${info.storedType} is not one h5logger appends to`);
  if (info.dtype !== spec.dtype) throw new InvalidValueError(where, `holds ${info.dtype}, but the value is ${spec.dtype}`);
  if (info.dtype === "string") checkStrings(where, info, spec);
  if (info.shape.length === 0 || info.maxshape[0] !== null || info.chunks === null) {
    throw new InvalidValueError(
      where,
      `cannot grow: it is not chunked with an unlimited first axis (shape ${formatShape(info.shape)}, maxshape ${formatShape(info.maxshape.map((d) => d ?? -1))})`,
    );
  }
  const rowShape = info.shape.slice(1);
  // Declared by rank only: empty and growable along every axis, so the first row sets the shape.
  const shapeOpen = info.shape[0] === 0 && info.maxshape.slice(1).every((d) => d === null) && rowShape.every((d) => d === 0);
  const chunkRows = info.chunks[0] ?? 1;
  if (shapeOpen && rowShape.length === spec.rowShape.length) return { rows: 0, chunkRows };
  if (rowShape.length !== spec.rowShape.length || rowShape.some((d, i) => d !== spec.rowShape[i])) {
    throw new InvalidValueError(where, `row shape ${formatShape(spec.rowShape)} does not match its row shape ${formatShape(rowShape)}`);
  }
  return { rows: info.shape[0] as number, chunkRows };
}

/** Strings go into a string dataset of the same kind: fixed-length UTF-8 of the same length, or variable-length. */
function checkStrings(where: string, info: hdf5.DatasetInfo, spec: RowSpec): void {
  const fixed = info.fixedStringSize;
  if (fixed > 0 && !info.utf8) throw new InvalidValueError(where, `holds ASCII strings (${info.storedType}); h5logger appends UTF-8 only`);
  if (fixed > 0 && spec.maxBytes !== fixed)
    throw new InvalidValueError(
      where,
      `holds fixed-length strings of ${fixed} bytes (${info.storedType}); declare it with maxBytes: ${fixed}`,
    );
  if (fixed === 0 && spec.maxBytes !== undefined)
    throw new InvalidValueError(where, `holds variable-length strings, so it cannot take maxBytes: ${spec.maxBytes}`);
}

/** An existing dataset keeps the companions it has; asking for one it lacks would misalign rows. */
export function existingCompanions(file: hdf5.FileHandle, name: string, wanted: Companions, rows: number): Companions {
  const has = (suffix: string) => hdf5.objectKind(file, hdf5Path(name) + suffix) === "dataset";
  const found = { step: has(STEP_SUFFIX), time: has(TIME_SUFFIX) };
  for (const [key, suffix] of [
    ["step", STEP_SUFFIX],
    ["time", TIME_SUFFIX],
  ] as const) {
    if (wanted[key] && !found[key])
      throw new InvalidValueError(name, `exists without a ${name}${suffix} dataset, so its ${key}s cannot be recorded`);
    if (found[key]) {
      const companionRows = hdf5.datasetInfo(file, hdf5Path(name) + suffix).shape[0];
      if (companionRows !== rows)
        throw new InvalidValueError(name, `has ${rows} rows but ${name}${suffix} has ${companionRows}; they must match`);
    }
  }
  return found;
}

/**
 * Chunk and batch sizes for rows of this spec, and its compression (the declaration's, else
 * the logger's; never for variable-length strings, whose text HDF5 does not compress). Until
 * the dataset is created, `chunkRows` is the largest it may get ({@link withChunkRows} settles it).
 */
export function layoutFor(spec: RowSpec, options: ResolvedOptions, declared?: NormalisedDeclaration): ColumnLayout {
  const variableStrings = spec.dtype === "string" && spec.maxBytes === undefined;
  const deflate = variableStrings ? null : declared?.compression !== undefined ? declared.compression : options.compression;
  const layout = {
    chunkRows: 0,
    batchRows: 0,
    batchBytes: Math.min(BATCH_BYTES, options.maxBufferBytes),
    maxChunkBytes: options.chunkBytes,
    deflate,
  };
  return withChunkRows(layout, fileRowBytes(spec), chunkRowsFor(fileRowBytes(spec), null, options.chunkBytes));
}

/**
 * Check the declarations against an existing file before the logger opens it for writing, so
 * that a declaration that does not fit leaves the file untouched. Read-only; a file that
 * cannot be opened so (a crashed writer's, say) is checked after it is opened.
 */
export function checkDeclarationsAgainstFile(filename: string, options: ResolvedOptions): void {
  if (options.replaceIfExists || options.datasets.size === 0) return;
  let file: hdf5.FileHandle;
  try {
    const name = withExtension(filename, "write");
    if (!fs.existsSync(name)) return;
    file = hdf5.openFile(path.resolve(name), "r");
  } catch {
    return;
  }
  try {
    for (const [name, declaration] of options.datasets) checkDeclaration(file, name, declaration);
  } finally {
    hdf5.closeFile(file);
  }
}

/** A declared dataset that exists in the file must be one its rows can be appended to. */
export function checkDeclaration(file: hdf5.FileHandle, name: string, declaration: NormalisedDeclaration): boolean {
  const kind = hdf5.objectKind(file, hdf5Path(name));
  if (kind === "group") throw new InvalidNameError(name, "is a group in this file, not a dataset");
  if (kind === "other") throw new InvalidNameError(name, "names an object in this file that is not a dataset");
  const blocker = hdf5.firstNonGroup(file, hdf5Path(name));
  if (blocker !== null) throw new InvalidNameError(name, `${blocker} is a dataset in this file, so it cannot hold ${name}`);
  if (kind === "missing" || declaration.dtype === undefined) return kind === "dataset";
  const info = hdf5.datasetInfo(file, hdf5Path(name));
  const rowShape = declaration.rowShape ?? info.shape.slice(1);
  if (declaration.rowRank !== undefined && info.shape.length - 1 !== declaration.rowRank) {
    throw new InvalidValueError(
      `${name} (existing dataset)`,
      `declared with rank ${declaration.rowRank + 1}, but it has rank ${info.shape.length}`,
    );
  }
  const maxBytes = declaration.maxBytes === undefined ? {} : { maxBytes: declaration.maxBytes };
  checkAppendable(file, name, { dtype: declaration.dtype, rowShape, ...maxBytes });
  return true;
}
