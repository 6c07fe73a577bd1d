/**
 * Files: create, open, flush, close, switch to SWMR writing. A {@link FileHandle} carries the
 * operating system's descriptor of its open, found by which stream the open added: the file's
 * identity for the write hooks and its length, whatever its name.
 *
 * @module
 */
import nodeFs from "node:fs";
import path from "node:path";
import { HDF5Error } from "../model/errors.js";
import { observeWrites as observeDescriptor, openStreams, streamsOpenedSince, type WriteObserver } from "./emscripten.js";
import { call, check, Module } from "./runtime.js";

export type { WriteObserver } from "./emscripten.js";

/** An open HDF5 file. Only this room reads `id`. */
export interface FileHandle {
  readonly id: bigint;
  /** The absolute path it was opened by (resolved once by the caller; messages use it). */
  readonly path: string;
  readonly writable: boolean;
  /**
   * The operating system's descriptor of this open; `null` when HDF5 shared an open made
   * earlier in this process (a reader of a file this process writes).
   */
  readonly fd: number | null;
}

/** How a file is opened: read-only, read-write, SWMR reader. */
export type OpenMode = "r" | "a" | "Sr";

function opened(file: string, writable: boolean, open: () => bigint): FileHandle {
  if (!path.isAbsolute(file)) throw new HDF5Error(`${file}: h5logger opens files by absolute path only (a bug in h5logger)`);
  const before = openStreams();
  const id = call(`cannot ${writable ? "open or create" : "open"} ${file}`, open);
  if (id < 0n) throw new HDF5Error(`cannot open ${file}`);
  const [stream] = streamsOpenedSince(before);
  return { id, path: file, writable, fd: stream?.nfd ?? null };
}

/** Create (or truncate) a file with libver v110, the format SWMR needs and HDF5 1.10 readers open. */
export function createFile(file: string): FileHandle {
  return opened(file, true, () => Module.open(file, Module.H5F_ACC_TRUNC, false, Module.H5F_LIBVER_V110, Module.H5F_LIBVER_V110));
}

/** Open an existing file. Writers keep the libver bounds at v110 so appends stay readable by HDF5 1.10. */
export function openFile(file: string, mode: OpenMode): FileHandle {
  const flags = mode === "r" ? Module.H5F_ACC_RDONLY : mode === "a" ? Module.H5F_ACC_RDWR : Module.H5F_ACC_SWMR_READ;
  return opened(file, mode === "a", () =>
    mode === "a"
      ? Module.open(file, flags, false, Module.H5F_LIBVER_V110, Module.H5F_LIBVER_V110)
      : Module.open(file, flags, false, -1, -1),
  );
}

/** Close a file; HDF5 flushes what it still holds. */
export function closeFile(file: FileHandle): void {
  check(`cannot close ${file.path}`, () => Module.close_file(file.id));
}

/** Ask HDF5 to write its caches and metadata to the operating system. */
export function flushFile(file: FileHandle): void {
  check(`cannot flush ${file.path}`, () => Module.flush(file.id));
}

/** Switch a writer into single-writer/multiple-reader mode. */
export function startSwmrWrite(file: FileHandle): void {
  check(`cannot start SWMR writing on ${file.path}`, () => Module.H5Fstart_swmr_write(file.id));
}

function descriptor(file: FileHandle): number {
  if (file.fd === null) throw new HDF5Error(`${file.path}: this open shares another one's descriptor (a bug in h5logger)`);
  return file.fd;
}

/** The open file as the operating system has it, through its descriptor (its name may be gone). */
export function fileStat(file: FileHandle): nodeFs.Stats {
  return nodeFs.fstatSync(descriptor(file));
}

/** The length of an open file. */
export function fileLength(file: FileHandle): number {
  return fileStat(file).size;
}

/** Have `observer` see every write HDF5 makes to this open file before it is made (`null` stops it). */
export function observeWrites(file: FileHandle, observer: WriteObserver | null): void {
  observeDescriptor(descriptor(file), observer);
}
