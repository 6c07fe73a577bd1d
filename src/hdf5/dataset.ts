/**
 * Groups and datasets: what sits at a path, creating datasets that grow along their first
 * axis, appending and reading rows, and what the file says about a dataset.
 *
 * @module
 */
import { DTYPE_ATTRIBUTE } from "../model/attributes.js";
import { arrayTypeFor, type Dtype } from "../model/dtype.js";
import { HDF5Error } from "../model/errors.js";
import type { FileHandle } from "./file.js";
import { call, check, Module } from "./runtime.js";
import { describeType, fixedStringSpec, H5S_UNLIMITED, H5T_STRING, isUtf8, STR_SPACEPAD, TYPE_SPECS, type TypeMetadata } from "./types.js";
import { readAttribute, readAttributeNames, writeAttribute } from "./attribute-io.js";
import { scratch } from "./scratch.js";
import { copyVariableLength, decodeFixedLength, encodeFixedLength } from "./strings.js";

/** What the file says about one dataset. */
export interface DatasetInfo {
  /** Our dtype, or `null` when the stored type is one we do not write (then `storedType` says what it is). */
  dtype: Dtype | null;
  /** A short description of the stored type, like numpy's (`<f8`, `|u1`, `str`). */
  storedType: string;
  shape: number[];
  maxshape: (number | null)[];
  chunks: number[] | null;
  /** Bytes per element in memory (pointer size for variable-length strings). */
  elementSize: number;
  variableLengthString: boolean;
  /** Bytes of a fixed-length string element (`|S10` gives 10); 0 for every other type. */
  fixedStringSize: number;
  /** A fixed-length string type that HDF5 calls space-padded (readers drop trailing spaces). */
  spacePadded: boolean;
  /** A string type in UTF-8 (else ASCII); false for other types. */
  utf8: boolean;
}

/** How a new dataset stores its elements, besides its dtype and chunks. */
export interface StorageOptions {
  /** Deflate (gzip) level 1-9, or null for no filter. @default null */
  deflate?: number | null;
  /** For strings: each a fixed-length field of this many bytes of UTF-8; variable-length when absent. */
  stringBytes?: number;
}

/** What sits at a path: a group, a dataset, something else, or nothing. */
export function objectKind(file: FileHandle, path: string): "group" | "dataset" | "other" | "missing" {
  if (path === "/") return "group";
  let type: number;
  try {
    // One lookup of the whole path: -1 when a part of it is missing.
    type = call(`cannot inspect ${path} in ${file.path}`, () => Module.get_type(file.id, path));
  } catch (err) {
    // HDF5 refuses a path that goes through a dataset ("object not found"); other errors are real.
    if (/not found/i.test((err as Error).message)) return "other";
    throw err;
  }
  if (type < 0) return "missing";
  if (type === Module.H5G_GROUP) return "group";
  if (type === Module.H5G_DATASET) return "dataset";
  return "other";
}

/** Create a group (its parent must exist). */
export function createGroup(file: FileHandle, path: string): void {
  check(`cannot create group ${path}`, () => Module.create_group(file.id, path, false));
}

/**
 * Full paths of every dataset in the file, sorted. Soft and external links are left out: they
 * are other names of datasets (listed under their own name) or of other files' datasets.
 */
export function listDatasets(file: FileHandle): string[] {
  const names = call(`cannot list ${file.path}`, () => Module.get_names(file.id, "/", true) as string[]).sort();
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    // A name with names below it is a group: in sorted order its first child would follow it.
    if ((names[i + 1] ?? "").startsWith(`${name}/`)) continue;
    const path = `/${name}`;
    if (objectKind(file, path) === "dataset" && !isLink(file, path)) out.push(path);
  }
  return out;
}

/** Whether `path` is a soft or external link rather than a dataset's own (hard) link. */
function isLink(file: FileHandle, path: string): boolean {
  return call(`cannot inspect ${path} in ${file.path}`, () => {
    if (Module.get_symbolic_link(file.id, path) !== null) return true;
    const external = Module.get_external_link(file.id, path) as { filename?: string };
    return external.filename !== undefined;
  });
}

/**
 * Create an empty dataset of shape `(0, ...rowShape)`, unlimited along axis 0 and chunked
 * `chunkRows` rows at a time. Missing parent groups are created.
 *
 * With `rowRank` instead of a row shape, the row shape is not known yet: the dataset starts
 * as `(0, 0, ...)`, unlimited along every axis, and takes its row shape from the first append.
 */
export function createDataset(
  file: FileHandle,
  path: string,
  dtype: Dtype,
  row: { rowShape: readonly number[] } | { rowRank: number },
  chunkRows: number,
  storage: StorageOptions = {},
): void {
  ensureParentGroups(file, path);
  const spec = dtype === "string" && storage.stringBytes ? fixedStringSpec(storage.stringBytes) : TYPE_SPECS[dtype];
  // h5wasm hands the filter to HDF5 as H5Pset_filter(id, MANDATORY, [level]): 1 is deflate.
  const deflate = storage.deflate ?? null;
  const known = "rowShape" in row;
  const dims = known ? row.rowShape.map(BigInt) : Array.from({ length: row.rowRank }, () => 0n);
  const metadata = {
    ...spec,
    littleEndian: true,
    shape: [0n, ...dims],
    maxshape: [H5S_UNLIMITED, ...(known ? dims : dims.map(() => H5S_UNLIMITED))],
    // HDF5 rejects zero-sized chunk dimensions; a row with a zero-length axis still needs a chunk.
    chunks: [BigInt(chunkRows), ...(known ? dims.map((n) => (n > 0n ? n : 1n)) : dims.map(() => 64n))],
    compression: deflate === null ? 0 : 1,
    compression_opts: deflate === null ? [] : [deflate],
    track_order: false,
  };
  call(`cannot create dataset ${path}`, () => {
    if (spec.vlen) Module.create_vlen_str_dataset(file.id, path, [], metadata as never);
    else Module.create_dataset(file.id, path, 0n, metadata as never);
  });
  if (dtype === "bool") writeAttribute(file, path, DTYPE_ATTRIBUTE, "bool");
}

/** Create the missing groups above `path`; when its parent is a group already (the usual case), one lookup. */
function ensureParentGroups(file: FileHandle, path: string): void {
  const parts = path.split("/").filter(Boolean);
  if (parts.length < 2 || objectKind(file, `/${parts.slice(0, -1).join("/")}`) === "group") return;
  let prefix = "";
  let missing = false;
  for (const part of parts.slice(0, -1)) {
    prefix += `/${part}`;
    // Below a group just created nothing exists: no lookup needed.
    const kind = missing ? "missing" : objectKind(file, prefix);
    if (kind === "missing") {
      missing = true;
      createGroup(file, prefix);
    } else if (kind !== "group") {
      throw new HDF5Error(`cannot create ${path}: ${prefix} exists and is not a group`);
    }
  }
}

/** The first object above `path` that is not a group (a dataset in the way), or null. */
export function firstNonGroup(file: FileHandle, path: string): string | null {
  const parts = path.split("/").filter(Boolean);
  if (parts.length < 2) return null;
  // The parent's own kind says it all unless the way to it goes through a dataset.
  const parent = objectKind(file, `/${parts.slice(0, -1).join("/")}`);
  if (parent === "group" || parent === "missing") return null;
  let prefix = "";
  for (const part of parts.slice(0, -1)) {
    prefix += `/${part}`;
    const kind = objectKind(file, prefix);
    if (kind === "missing") return null;
    if (kind !== "group") return prefix;
  }
  return null;
}

/**
 * Append `rows` rows after the first `oldRows` rows of a dataset: grow it, then write the rows.
 * `data` is the rows' elements, flat, in the dataset's own element type (strings for strings;
 * `stringBytes` for a fixed-length string dataset, each string checked to fit).
 */
export function appendRows(
  file: FileHandle,
  path: string,
  rowShape: readonly number[],
  oldRows: number,
  rows: number,
  data: ArrayBufferView | readonly string[],
  stringBytes?: number,
): void {
  if (rows === 0) return;
  const newShape = [BigInt(oldRows + rows), ...rowShape.map(BigInt)];
  check(`cannot grow ${path} to ${oldRows + rows} rows`, () => Module.resize_dataset(file.id, path, newShape));
  const count = [BigInt(rows), ...rowShape.map(BigInt)];
  const offset = [BigInt(oldRows), ...rowShape.map(() => 0n)];
  const strides = count.map(() => 1n);
  const pointer = ArrayBuffer.isView(data)
    ? copyBytes(data)
    : stringBytes
      ? copyBytes(encodeFixedLength(data, stringBytes))
      : copyVariableLength(data);
  check(`cannot write rows of ${path}`, () => Module.set_dataset_data(file.id, path, count, offset, strides, BigInt(pointer)));
}

/** Set the number of rows of a dataset (axis 0), keeping its row shape: used to drop rows that a failed write left behind. */
export function resizeRows(file: FileHandle, path: string, rows: number): void {
  const shape = [BigInt(rows), ...datasetInfo(file, path).shape.slice(1).map(BigInt)];
  check(`cannot resize ${path} to ${rows} rows`, () => Module.resize_dataset(file.id, path, shape));
}

function copyBytes(data: ArrayBufferView): number {
  const pointer = scratch(data.byteLength);
  Module.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pointer);
  return pointer;
}

/** Read what the file says about a dataset. */
export function datasetInfo(file: FileHandle, path: string): DatasetInfo {
  const m = call(`cannot read the description of ${path}`, () => Module.get_dataset_metadata(file.id, path));
  const { storedType } = describeType(m as unknown as TypeMetadata);
  let { dtype } = describeType(m as unknown as TypeMetadata);
  // Our own booleans are uint8 with a marker attribute.
  if (dtype === "uint8" && readAttributeNames(file, path).includes(DTYPE_ATTRIBUTE)) {
    if (readAttribute(file, path, DTYPE_ATTRIBUTE) === "bool") dtype = "bool";
  }
  return {
    dtype,
    storedType,
    shape: (m.shape ?? []).map(Number),
    // h5wasm hands maxshape over as doubles: H5S_UNLIMITED (2^64 - 1) arrives rounded up to 2^64.
    maxshape: (m.maxshape ?? []).map((d: number | bigint) => (BigInt(d) >= H5S_UNLIMITED || Number(d) < 0 ? null : Number(d))),
    chunks: m.chunks ? m.chunks.map(Number) : null,
    elementSize: m.size,
    variableLengthString: m.type === H5T_STRING && m.vlen,
    fixedStringSize: m.type === H5T_STRING && !m.vlen ? m.size : 0,
    spacePadded: m.type === H5T_STRING && !m.vlen && m.strpad === STR_SPACEPAD,
    utf8: m.type === H5T_STRING && isUtf8(m as unknown as TypeMetadata),
  };
}

/**
 * Bytes the dataset's rows take in the file, as `H5Dget_storage_size` counts them (which
 * h5wasm does not expose): every chunk that covers written rows is allocated whole;
 * variable-length strings count their 16-byte references, not the text. `null` for a
 * compressed (filtered) dataset, whose chunks have sizes only the chunk index knows.
 */
export function storageBytes(file: FileHandle, path: string, info: DatasetInfo): number | null {
  const elementBytes = info.variableLengthString ? 16 : info.elementSize;
  if (!info.chunks) return info.shape.reduce((a, b) => a * b, 1) * elementBytes;
  const filters = call(`cannot read the filters of ${path}`, () => Module.get_dataset_filters(file.id, path));
  if (filters.length > 0) return null;
  const chunks = info.shape.reduce((n, extent, d) => n * Math.ceil(extent / (info.chunks?.[d] ?? 1)), 1);
  return chunks * info.chunks.reduce((a, b) => a * b, 1) * elementBytes;
}

/**
 * Read rows `[start, end)` of a dataset: a flat typed array of the dataset's element type, or
 * strings for a string dataset. Only the selected rows are read from the file.
 */
export function readRows(file: FileHandle, path: string, info: DatasetInfo, start: number, end: number): ArrayBufferView | string[] {
  const rows = Math.max(0, end - start);
  const rowShape = info.shape.slice(1);
  const perRow = rowShape.reduce((a, b) => a * b, 1);
  const scalar = info.shape.length === 0; // a rank-0 dataset: one value, read whole
  const elements = scalar ? 1 : rows * perRow;
  const fixedString = info.fixedStringSize > 0;
  if (info.dtype === null) throw new HDF5Error(`cannot read ${path}: its type (${info.storedType}) is not one h5logger reads`);
  if (elements === 0) return info.dtype === "string" ? [] : new (arrayTypeFor(info.dtype))(0);
  const count = scalar ? null : [BigInt(rows), ...rowShape.map(BigInt)];
  const offset = scalar ? null : [BigInt(start), ...rowShape.map(() => 0n)];
  const strides = count?.map(() => 1n) ?? null;
  const bytes = elements * info.elementSize;
  const ptr = Module._malloc(bytes);
  if (!ptr) throw new HDF5Error(`out of WebAssembly memory reading ${rows} rows of ${path}`);
  try {
    check(`cannot read rows ${start}..${end} of ${path}`, () =>
      Module.get_dataset_data(file.id, path, count, offset, strides, BigInt(ptr)),
    );
    if (fixedString) return decodeFixedLength(Module.HEAPU8.subarray(ptr, ptr + bytes), info.fixedStringSize, info.spacePadded);
    if (info.dtype === "string") {
      const pointers = new Uint32Array(Module.HEAPU8.buffer, ptr, elements);
      const out = Array.from(pointers, (p) => Module.UTF8ToString(p));
      Module.reclaim_vlen_memory_count(file.id, path, "", BigInt(ptr), count ?? []);
      return out;
    }
    const copy = Module.HEAPU8.slice(ptr, ptr + bytes);
    return new (arrayTypeFor(info.dtype))(copy.buffer);
  } finally {
    Module._free(ptr);
  }
}
