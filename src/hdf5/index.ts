/**
 * The one module that talks to h5wasm (the HDF5 C library compiled to WebAssembly).
 *
 * Everything else in h5logger speaks in our own terms — {@link Dtype}, row counts, flat
 * typed arrays — and gets short {@link HDF5Error}s instead of HDF5's error-stack dumps.
 * We call h5wasm's low-level `Module` functions rather than its `Dataset` class: the class
 * reads the dataset's metadata before every write, which costs one more open-by-path per call.
 *
 * @module
 */
import nodeFs from "node:fs";
import { arrayTypeFor, type Dtype } from "../model/dtype.js";
import { HDF5Error } from "../model/errors.js";

/** The wasm stack pointer, which h5wasm does not export. */
interface WasmStack {
  save(): number;
  restore(pointer: number): void;
}

// Loaded once when this module is imported, so `new H5Logger()` can be synchronous.
const { Module, stack } = await load();
watchFileWrites();
// Turn HDF5's stderr dumps into JavaScript exceptions we can rephrase.
Module.activate_throwing_error_handler();

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_ENUM = 8;
const H5S_UNLIMITED = 18446744073709551615n;
const CSET_UTF8 = 1;

/** Attribute that marks a uint8 dataset as boolean (h5wasm cannot create HDF5 enum types). */
export const DTYPE_ATTRIBUTE = "h5logger_dtype";

/** An open HDF5 file. Only this module reads its fields. */
export interface FileHandle {
  readonly id: bigint;
  readonly path: string;
  readonly writable: boolean;
}

/** How a file is opened: read-only, read-write, SWMR reader. */
export type OpenMode = "r" | "a" | "Sr";

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
}

/**
 * Load h5wasm and keep hold of its stack pointer. An HDF5 error reaches us as a JavaScript
 * exception thrown from inside the wasm code, which skips the epilogues of the C frames it
 * crosses: each error leaves ~1 KB of h5wasm's 2 MB stack allocated, and after ~2,200 errors
 * h5wasm aborts ("bad_cast was thrown in -fno-exceptions mode") or writes past its stack.
 * h5wasm exports no stackSave/stackRestore, so we take them from the wasm instance as it is
 * created: WebAssembly.instantiate is wrapped while h5wasm loads, and only then. If h5wasm was
 * loaded before us, `stack` is null and errors leak as before (see RELIABILITY.md).
 */
async function load() {
  // Typed here: the project's lib settings carry no WebAssembly declarations.
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate: (...args: unknown[]) => Promise<unknown> } }).WebAssembly;
  const instantiate = wasm.instantiate;
  let stack: WasmStack | null = null;
  wasm.instantiate = async (...args: unknown[]) => {
    const result = (await instantiate.apply(wasm, args)) as { instance?: { exports: object }; exports?: object };
    const exports = (result.instance ?? result).exports as Record<string, unknown>;
    const save = exports.emscripten_stack_get_current;
    const restore = exports._emscripten_stack_restore;
    if (stack === null && "H5Fopen" in exports && typeof save === "function" && typeof restore === "function") {
      stack = { save: save as () => number, restore: restore as (pointer: number) => void };
    }
    return result;
  };
  try {
    const { default: h5wasm } = await import("h5wasm/node");
    return { Module: await h5wasm.ready, stack: stack as WasmStack | null };
  } finally {
    wasm.instantiate = instantiate;
  }
}

/** Run an h5wasm call, turning its exceptions into an {@link HDF5Error} that says what we were doing. */
function call<T>(doing: string, fn: () => T): T {
  const pointer = stack?.save() ?? 0;
  try {
    return fn();
  } catch (err) {
    repair(pointer);
    throw new HDF5Error(`${doing}: ${summariseHdf5Error(err)}`, { cause: err });
  }
}

/**
 * Undo what an exception thrown through the wasm code leaves behind: the stack frames it
 * skipped, and the temporary file h5wasm's error handler opens to format the message and
 * never closes (one file descriptor per error otherwise, until the process runs out).
 */
function repair(pointer: number): void {
  if (stack) stack.restore(pointer);
  const fs = Module.FS as unknown as { streams: ({ path?: string } | null)[]; close(stream: object): void };
  for (const stream of fs.streams) if (stream?.path?.startsWith("/tmp/tmpfile_")) fs.close(stream);
}

/** Reduce an HDF5 error stack (dozens of lines) to its most specific line. */
export function summariseHdf5Error(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split("\n").map((l) => l.trim());
  // Stack entries look like "#003: H5Dint.c line 412 in H5D__create(): unable to create dataset".
  const entries = lines.filter((l) => /^#\d+:/.test(l)).map((l) => l.replace(/^#\d+:.*?\):\s*/, ""));
  const minors = lines.filter((l) => l.startsWith("minor:")).map((l) => l.replace(/^minor:\s*/, ""));
  const deepest = entries.at(-1);
  // A failed read or write quotes the operating system's error, which says what to do.
  const system = /error message = '([^']+)'/.exec(text)?.[1];
  if (deepest && system) return `${deepest.replace(/: time = .*$/, "")}: ${explainSystemError(system)}`;
  if (deepest) return minors.at(-1) ? `${deepest} (${minors.at(-1)})` : deepest;
  return lines.find((l) => l.length > 0) ?? "unknown HDF5 error";
}

/** The operating system's error message, with what it means for a logger. */
function explainSystemError(message: string): string {
  if (/no space left/i.test(message)) return `the disk is full (${message})`;
  if (/file too large/i.test(message)) return `the file reached the largest size this process or file system allows (${message})`;
  if (/quota/i.test(message)) return `the disk quota is used up (${message})`;
  return message;
}

/** Sees every write HDF5 makes to a file before it is made: the rollback journal's hook (see journal.ts). */
export interface WriteObserver {
  beforeWrite(fd: number, position: number, bytes: Uint8Array): void;
  beforeTruncate(fd: number, length: number): void;
}

const observers = new Map<string, WriteObserver>();

/** Have `observer` see every write to the file opened as `path` (`null` stops it). */
export function observeWrites(path: string, observer: WriteObserver | null): void {
  if (observer) observers.set(path, observer);
  else observers.delete(path);
}

interface Stream {
  path?: string;
  nfd?: number;
  position?: number;
}

/**
 * HDF5's writes reach Node through Emscripten's file system object (`FS.write` and
 * `FS.ftruncate`, looked up at each call): wrapping them there is the one place to see every
 * write before it happens. An observer's failure (the disk is full) becomes the errno HDF5
 * would get from a failed write, so HDF5 reports it as one.
 */
function watchFileWrites(): void {
  const fs = Module.FS as unknown as {
    write(stream: Stream, buffer: Int8Array, offset: number, length: number, position?: number, canOwn?: boolean): number;
    ftruncate(fd: number, length: number): void;
    getStream(fd: number): Stream | null;
    ErrnoError: new (errno: number) => Error;
  };
  const write = fs.write;
  const ftruncate = fs.ftruncate;
  const guard = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      // WASI's numbers: EFBIG 22, EIO 29, ENOSPC 51.
      const code = (err as NodeJS.ErrnoException).code;
      throw new fs.ErrnoError(code === "ENOSPC" ? 51 : code === "EFBIG" ? 22 : 29);
    }
  };
  fs.write = function (stream, buffer, offset, length, position, canOwn) {
    const observer = stream.path === undefined ? undefined : observers.get(stream.path);
    if (observer && stream.nfd !== undefined) {
      const at = position ?? stream.position ?? 0;
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
      guard(() => observer.beforeWrite(stream.nfd as number, at, bytes));
    }
    return write.call(this, stream, buffer, offset, length, position, canOwn);
  };
  fs.ftruncate = function (fd, length) {
    const stream = fs.getStream(fd);
    const observer = stream?.path === undefined ? undefined : observers.get(stream.path);
    if (observer && stream?.nfd !== undefined) guard(() => observer.beforeTruncate(stream.nfd as number, Number(length)));
    return ftruncate.call(this, fd, length);
  };
}

/** The length of an open file as the operating system has it (through its descriptor: the path may be gone). */
export function fileLength(file: FileHandle): number {
  const streams = (Module.FS as unknown as { streams: (Stream | null)[] }).streams;
  const stream = streams.find((s) => s?.path === file.path && s.nfd !== undefined);
  if (!stream) throw new HDF5Error(`${file.path} is not open`);
  return nodeFs.fstatSync(stream.nfd as number).size;
}

/** Create (or truncate) a file with libver v110, the format SWMR needs and HDF5 1.10 readers open. */
export function createFile(path: string): FileHandle {
  const id = call(`cannot create ${path}`, () =>
    Module.open(path, Module.H5F_ACC_TRUNC, false, Module.H5F_LIBVER_V110, Module.H5F_LIBVER_V110),
  );
  if (id < 0n) throw new HDF5Error(`cannot create ${path}`);
  return { id, path, writable: true };
}

/** Open an existing file. Writers keep the libver bounds at v110 so appends stay readable by HDF5 1.10. */
export function openFile(path: string, mode: OpenMode): FileHandle {
  const flags = mode === "r" ? Module.H5F_ACC_RDONLY : mode === "a" ? Module.H5F_ACC_RDWR : Module.H5F_ACC_SWMR_READ;
  const id = call(`cannot open ${path}`, () =>
    mode === "a"
      ? Module.open(path, flags, false, Module.H5F_LIBVER_V110, Module.H5F_LIBVER_V110)
      : Module.open(path, flags, false, -1, -1),
  );
  if (id < 0n) throw new HDF5Error(`cannot open ${path}`);
  return { id, path, writable: mode === "a" };
}

/** Close a file; HDF5 flushes what it still holds. */
export function closeFile(file: FileHandle): void {
  const status = call(`cannot close ${file.path}`, () => Module.close_file(file.id));
  if (status < 0) throw new HDF5Error(`cannot close ${file.path}`);
}

/** Ask HDF5 to write its caches and metadata to the operating system. */
export function flushFile(file: FileHandle): void {
  const status = call(`cannot flush ${file.path}`, () => Module.flush(file.id));
  if (status < 0) throw new HDF5Error(`cannot flush ${file.path}`);
}

/** Switch a writer into single-writer/multiple-reader mode. */
export function startSwmrWrite(file: FileHandle): void {
  const status = call(`cannot start SWMR writing on ${file.path}`, () => Module.H5Fstart_swmr_write(file.id));
  if (status < 0) throw new HDF5Error(`cannot start SWMR writing on ${file.path}`);
}

/** What sits at a path: a group, a dataset, something else, or nothing. */
export function objectKind(file: FileHandle, path: string): "group" | "dataset" | "other" | "missing" {
  if (path === "/") return "group";
  // get_type reports a missing object without raising an HDF5 error only when every parent exists.
  const parts = path.split("/").filter(Boolean);
  let prefix = "";
  for (const part of parts) {
    prefix += `/${part}`;
    const type = call(`cannot inspect ${prefix} in ${file.path}`, () => Module.get_type(file.id, prefix));
    if (type < 0) return "missing";
    if (prefix !== `/${parts.join("/")}`) {
      if (type !== Module.H5G_GROUP) return "other";
      continue;
    }
    if (type === Module.H5G_GROUP) return "group";
    if (type === Module.H5G_DATASET) return "dataset";
    return "other";
  }
  return "missing";
}

/** Create a group (its parent must exist). */
export function createGroup(file: FileHandle, path: string): void {
  const status = call(`cannot create group ${path}`, () => Module.create_group(file.id, path, false));
  if (status < 0) throw new HDF5Error(`cannot create group ${path}`);
}

/** Full paths of every dataset in the file, sorted. */
export function listDatasets(file: FileHandle): string[] {
  const names = call(`cannot list ${file.path}`, () => Module.get_names(file.id, "/", true) as string[]);
  const out: string[] = [];
  for (const name of names) {
    const path = `/${name}`;
    if (Module.get_type(file.id, path) === Module.H5G_DATASET) out.push(path);
  }
  return out.sort();
}

interface TypeSpec {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  cset?: number;
}

const TYPE_SPECS: Record<Dtype, TypeSpec> = {
  float64: { type: H5T_FLOAT, size: 8, signed: false, vlen: false },
  float32: { type: H5T_FLOAT, size: 4, signed: false, vlen: false },
  int8: { type: H5T_INTEGER, size: 1, signed: true, vlen: false },
  int16: { type: H5T_INTEGER, size: 2, signed: true, vlen: false },
  int32: { type: H5T_INTEGER, size: 4, signed: true, vlen: false },
  int64: { type: H5T_INTEGER, size: 8, signed: true, vlen: false },
  uint8: { type: H5T_INTEGER, size: 1, signed: false, vlen: false },
  uint16: { type: H5T_INTEGER, size: 2, signed: false, vlen: false },
  uint32: { type: H5T_INTEGER, size: 4, signed: false, vlen: false },
  uint64: { type: H5T_INTEGER, size: 8, signed: false, vlen: false },
  bool: { type: H5T_INTEGER, size: 1, signed: false, vlen: false },
  string: { type: H5T_STRING, size: 4, signed: false, vlen: true, cset: CSET_UTF8 },
};

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
): void {
  ensureParentGroups(file, path);
  const spec = TYPE_SPECS[dtype];
  const known = "rowShape" in row;
  const dims = known ? row.rowShape.map(BigInt) : Array.from({ length: row.rowRank }, () => 0n);
  const metadata = {
    ...spec,
    littleEndian: true,
    shape: [0n, ...dims],
    maxshape: [H5S_UNLIMITED, ...(known ? dims : dims.map(() => H5S_UNLIMITED))],
    // HDF5 rejects zero-sized chunk dimensions; a row with a zero-length axis still needs a chunk.
    chunks: [BigInt(chunkRows), ...(known ? dims.map((n) => (n > 0n ? n : 1n)) : dims.map(() => 64n))],
    compression: 0,
    compression_opts: [],
    track_order: false,
  };
  call(`cannot create dataset ${path}`, () => {
    if (spec.vlen) Module.create_vlen_str_dataset(file.id, path, [], metadata as never);
    else Module.create_dataset(file.id, path, 0n, metadata as never);
  });
  if (dtype === "bool") writeAttribute(file, path, DTYPE_ATTRIBUTE, "bool");
}

function ensureParentGroups(file: FileHandle, path: string): void {
  const parts = path.split("/").filter(Boolean);
  let prefix = "";
  for (const part of parts.slice(0, -1)) {
    prefix += `/${part}`;
    const kind = objectKind(file, prefix);
    if (kind === "missing") createGroup(file, prefix);
    else if (kind !== "group") throw new HDF5Error(`cannot create ${path}: ${prefix} exists and is not a group`);
  }
}

// One scratch allocation in the wasm heap, reused across writes to avoid malloc/free per flush.
let scratchPtr = 0;
let scratchSize = 0;

function scratch(bytes: number): number {
  if (bytes > scratchSize) {
    if (scratchPtr) Module._free(scratchPtr);
    scratchSize = Math.max(bytes, scratchSize * 2, 1 << 16);
    scratchPtr = Module._malloc(scratchSize);
    if (!scratchPtr) {
      scratchSize = 0;
      throw new HDF5Error(`out of WebAssembly memory allocating ${bytes} bytes`);
    }
  }
  return scratchPtr;
}

/**
 * Append `rows` rows after the first `oldRows` rows of a dataset: grow it, then write the rows.
 * `data` is the rows' elements, flat, in the dataset's own element type (strings for strings).
 */
export function appendRows(
  file: FileHandle,
  path: string,
  rowShape: readonly number[],
  oldRows: number,
  rows: number,
  data: ArrayBufferView | readonly string[],
): void {
  if (rows === 0) return;
  const newShape = [BigInt(oldRows + rows), ...rowShape.map(BigInt)];
  const status = call(`cannot grow ${path} to ${oldRows + rows} rows`, () => Module.resize_dataset(file.id, path, newShape));
  if (status < 0) throw new HDF5Error(`cannot grow ${path} to ${oldRows + rows} rows`);
  const count = [BigInt(rows), ...rowShape.map(BigInt)];
  const offset = [BigInt(oldRows), ...rowShape.map(() => 0n)];
  const strides = count.map(() => 1n);
  if (ArrayBuffer.isView(data)) writeBytes(file, path, count, offset, strides, data);
  else writeStrings(file, path, count, offset, strides, data);
}

/** Set the number of rows of a dataset (axis 0), keeping its row shape: used to drop rows that a failed write left behind. */
export function resizeRows(file: FileHandle, path: string, rows: number): void {
  const shape = [BigInt(rows), ...datasetInfo(file, path).shape.slice(1).map(BigInt)];
  const status = call(`cannot resize ${path} to ${rows} rows`, () => Module.resize_dataset(file.id, path, shape));
  if (status < 0) throw new HDF5Error(`cannot resize ${path} to ${rows} rows`);
}

function writeBytes(file: FileHandle, path: string, count: bigint[], offset: bigint[], strides: bigint[], data: ArrayBufferView): void {
  const ptr = scratch(data.byteLength);
  Module.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ptr);
  const status = call(`cannot write rows of ${path}`, () => Module.set_dataset_data(file.id, path, count, offset, strides, BigInt(ptr)));
  if (status < 0) throw new HDF5Error(`cannot write rows of ${path}`);
}

// Variable-length strings are written as an array of char* into the wasm heap (wasm32: 4-byte pointers).
function writeStrings(file: FileHandle, path: string, count: bigint[], offset: bigint[], strides: bigint[], data: readonly string[]): void {
  const encoder = new TextEncoder();
  const encoded = data.map((s) => encoder.encode(s));
  const pointerBytes = 4 * encoded.length;
  const total = pointerBytes + encoded.reduce((sum, e) => sum + e.length + 1, 0);
  const base = scratch(total);
  const heap = Module.HEAPU8;
  const pointers = new Uint32Array(encoded.length);
  let cursor = base + pointerBytes;
  encoded.forEach((bytes, i) => {
    pointers[i] = cursor;
    heap.set(bytes, cursor);
    heap[cursor + bytes.length] = 0;
    cursor += bytes.length + 1;
  });
  heap.set(new Uint8Array(pointers.buffer), base);
  const status = call(`cannot write rows of ${path}`, () => Module.set_dataset_data(file.id, path, count, offset, strides, BigInt(base)));
  if (status < 0) throw new HDF5Error(`cannot write rows of ${path}`);
}

/** Read what the file says about a dataset. */
export function datasetInfo(file: FileHandle, path: string): DatasetInfo {
  const m = call(`cannot read the description of ${path}`, () => Module.get_dataset_metadata(file.id, path));
  const baseType = m.type === H5T_ENUM && m.enum_type ? m.enum_type.type : m.type;
  let dtype: Dtype | null = null;
  let storedType = "unknown";
  if (baseType === H5T_FLOAT && (m.size === 4 || m.size === 8)) {
    dtype = m.size === 4 ? "float32" : "float64";
    storedType = `${m.littleEndian ? "<" : ">"}f${m.size}`;
  } else if (baseType === H5T_INTEGER && [1, 2, 4, 8].includes(m.size)) {
    dtype = `${m.signed ? "int" : "uint"}${m.size * 8}` as Dtype;
    storedType = `${m.size === 1 ? "|" : m.littleEndian ? "<" : ">"}${m.signed ? "i" : "u"}${m.size}`;
    if (m.type === H5T_ENUM) {
      const members = m.enum_type?.members ?? {};
      const isBool = Object.keys(members).length === 2 && members.FALSE === 0 && members.TRUE === 1;
      dtype = isBool ? "bool" : null;
      storedType = isBool ? "bool" : `enum(${storedType})`;
    }
  } else if (m.type === H5T_STRING) {
    dtype = m.vlen ? "string" : null;
    storedType = m.vlen ? "str" : `|S${m.size}`;
  } else {
    storedType = TYPE_CLASS_NAMES[m.type] ?? `class ${m.type}`;
  }
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
  };
}

/** HDF5's type classes (H5Tpublic.h) that h5logger neither writes nor reads, by name. */
const TYPE_CLASS_NAMES: Record<number, string> = {
  2: "time",
  4: "bitfield",
  5: "opaque",
  6: "compound",
  7: "reference",
  9: "vlen",
  10: "array",
  11: "complex",
};

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
  if (info.dtype === null && !fixedString)
    throw new HDF5Error(`cannot read ${path}: its type (${info.storedType}) is not one h5logger reads`);
  if (elements === 0) {
    return info.dtype === "string" || fixedString ? [] : new (arrayTypeFor(info.dtype ?? "float64"))(0);
  }
  const count = scalar ? null : [BigInt(rows), ...rowShape.map(BigInt)];
  const offset = scalar ? null : [BigInt(start), ...rowShape.map(() => 0n)];
  const strides = count?.map(() => 1n) ?? null;
  const bytes = elements * info.elementSize;
  const ptr = Module._malloc(bytes);
  if (!ptr) throw new HDF5Error(`out of WebAssembly memory reading ${rows} rows of ${path}`);
  try {
    const status = call(`cannot read rows ${start}..${end} of ${path}`, () =>
      Module.get_dataset_data(file.id, path, count, offset, strides, BigInt(ptr)),
    );
    if (status < 0) throw new HDF5Error(`cannot read rows ${start}..${end} of ${path}`);
    if (info.dtype === "string") {
      const pointers = new Uint32Array(Module.HEAPU8.buffer, ptr, elements);
      const out = Array.from(pointers, (p) => Module.UTF8ToString(p));
      Module.reclaim_vlen_memory_count(file.id, path, "", BigInt(ptr), count ?? []);
      return out;
    }
    if (fixedString) return fixedStrings(Module.HEAPU8.subarray(ptr, ptr + bytes), info.fixedStringSize);
    const copy = Module.HEAPU8.slice(ptr, ptr + bytes);
    return new (arrayTypeFor(info.dtype ?? "float64"))(copy.buffer);
  } finally {
    Module._free(ptr);
  }
}

/** Fixed-length strings, one every `size` bytes, cut at the first NUL (as h5py reads them). */
function fixedStrings(bytes: Uint8Array, size: number): string[] {
  const decoder = new TextDecoder();
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const field = bytes.subarray(at, at + size);
    const nul = field.indexOf(0);
    out.push(decoder.decode(nul < 0 ? field : field.subarray(0, nul)));
  }
  return out;
}

/** A value an attribute can hold. Objects are stored as JSON strings by the caller. */
export type AttributeValue = string | number | bigint | boolean | readonly number[] | readonly string[];

/** Write (or replace) an attribute on a group or dataset. */
export function writeAttribute(file: FileHandle, objectPath: string, name: string, value: AttributeValue): void {
  call(`cannot write attribute ${name} on ${objectPath}`, () => {
    if (readAttributeNames(file, objectPath).includes(name)) Module.delete_attribute(file.id, objectPath, name);
    if (typeof value === "string" || (Array.isArray(value) && typeof value[0] === "string")) {
      const strings = typeof value === "string" ? [value] : (value as string[]);
      const metadata = {
        ...TYPE_SPECS.string,
        littleEndian: true,
        shape: typeof value === "string" ? [] : [BigInt(strings.length)],
        maxshape: null,
        chunks: null,
      };
      Module.create_vlen_str_attribute(file.id, objectPath, name, strings, metadata as never);
      return;
    }
    const { spec, bytes, shape } = attributeBytes(value as Exclude<AttributeValue, string | readonly string[]>);
    const metadata = { ...spec, littleEndian: true, shape, maxshape: null, chunks: null };
    const ptr = scratch(Math.max(1, bytes.byteLength));
    Module.HEAPU8.set(bytes, ptr);
    Module.create_attribute(file.id, objectPath, name, BigInt(ptr), metadata as never);
  });
}

function attributeBytes(value: number | bigint | boolean | readonly number[]): { spec: TypeSpec; bytes: Uint8Array; shape: bigint[] } {
  if (typeof value === "bigint") {
    return { spec: TYPE_SPECS.int64, bytes: new Uint8Array(BigInt64Array.of(value).buffer), shape: [] };
  }
  if (typeof value === "boolean") {
    return { spec: TYPE_SPECS.uint8, bytes: Uint8Array.of(value ? 1 : 0), shape: [] };
  }
  const numbers = typeof value === "number" ? [value] : value;
  const shape = typeof value === "number" ? [] : [BigInt(numbers.length)];
  return { spec: TYPE_SPECS.float64, bytes: new Uint8Array(Float64Array.from(numbers).buffer), shape };
}

/** Names of the attributes on a group or dataset. */
export function readAttributeNames(file: FileHandle, objectPath: string): string[] {
  return call(`cannot list attributes of ${objectPath}`, () => Module.get_attribute_names(file.id, objectPath) as string[]);
}

/** Read one attribute as plain JavaScript values (strings, numbers, bigints, arrays of them). */
export function readAttribute(file: FileHandle, objectPath: string, name: string): unknown {
  return call(`cannot read attribute ${name} of ${objectPath}`, () => {
    const m = Module.get_attribute_metadata(file.id, objectPath, name);
    const total = m.total_size ?? 1;
    const bytes = m.size * Math.max(1, total);
    const ptr = scratch(bytes);
    Module.get_attribute_data(file.id, objectPath, name, BigInt(ptr));
    const heap = Module.HEAPU8;
    let values: unknown[];
    if (m.type === H5T_STRING) {
      if (m.vlen) {
        values = Array.from(new Uint32Array(heap.buffer, ptr, total), (p) => Module.UTF8ToString(p));
        Module.reclaim_vlen_memory(file.id, objectPath, name, BigInt(ptr));
      } else {
        const decoder = new TextDecoder();
        values = Array.from({ length: total }, (_, i) => {
          const raw = heap.slice(ptr + i * m.size, ptr + (i + 1) * m.size);
          const end = raw.indexOf(0);
          return decoder.decode(end < 0 ? raw : raw.subarray(0, end)).trimEnd();
        });
      }
    } else if (m.type === H5T_FLOAT || m.type === H5T_INTEGER || m.type === H5T_ENUM) {
      const size = m.size as number;
      const signed = m.signed;
      const dtype: Exclude<Dtype, "string" | "bool"> =
        m.type === H5T_FLOAT ? (size === 4 ? "float32" : "float64") : (`${signed ? "int" : "uint"}${size * 8}` as never);
      const typed = new (arrayTypeFor(dtype))(heap.slice(ptr, ptr + bytes).buffer) as unknown as ArrayLike<unknown>;
      values = Array.from(typed);
    } else {
      return `<unsupported attribute type ${m.type}>`;
    }
    return !m.shape || m.shape.length === 0 ? values[0] : values;
  });
}
