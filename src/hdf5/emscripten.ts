/**
 * What h5logger relies on inside h5wasm's Emscripten runtime, which h5wasm does not export as
 * API: the wasm stack pointer, the file system's stream table, and its `write`/`ftruncate`.
 * Every assumption is checked when the runtime loads ({@link checkRuntime}); if h5wasm changes
 * under us, importing h5logger fails with a message that says what changed, rather than crash
 * safety or error recovery silently stopping.
 *
 * @module
 */
import nodeFs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The wasm stack pointer, which h5wasm does not export. */
export interface WasmStack {
  save(): number;
  restore(pointer: number): void;
}

/** An open file in Emscripten's file system (NODERAWFS: `nfd` is the operating system's descriptor). */
export interface Stream {
  path?: string;
  nfd?: number;
  position?: number;
}

interface EmscriptenFs {
  streams: (Stream | null)[];
  write(stream: Stream, buffer: Int8Array, offset: number, length: number, position?: number, canOwn?: boolean): number;
  ftruncate(fd: number, length: number | bigint): void;
  getStream(fd: number): Stream | null;
  open(path: string, flags: string | number, mode?: number): Stream & { fd: number };
  close(stream: Stream): void;
  ErrnoError: new (errno: number) => Error;
}

/** Sees every write HDF5 makes to one file before it is made: the rollback journal's hook. */
export interface WriteObserver {
  beforeWrite(fd: number, position: number, bytes: Uint8Array): void;
  beforeTruncate(fd: number, length: number): void;
}

/**
 * Wrap WebAssembly.instantiate while `load` runs, to take the stack functions from the wasm
 * instance h5wasm creates. An HDF5 error reaches JavaScript as an exception thrown from inside
 * the wasm code, which skips the epilogues of the C frames it crosses: each error would leave
 * ~1 KB of h5wasm's 2 MB stack allocated, and after ~2,200 errors h5wasm aborts.
 */
export async function captureStack<T>(load: () => Promise<T>): Promise<{ result: T; stack: WasmStack }> {
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
    const result = await load();
    if (stack === null) {
      throw changed(
        "its wasm instance exposes no stack functions (emscripten_stack_get_current, _emscripten_stack_restore), or h5wasm was loaded before h5logger",
      );
    }
    return { result, stack };
  } finally {
    wasm.instantiate = instantiate;
  }
}

function changed(what: string): Error {
  return new Error(`h5logger cannot use this h5wasm: ${what}. h5logger is tested with h5wasm 0.10; install that version.`);
}

let fs: EmscriptenFs;
/** Observers by operating-system descriptor: the one identity of an open file that cannot drift. */
const observers = new Map<number, WriteObserver>();

/**
 * Check the file system h5wasm runs on and hook its writes: HDF5's writes reach Node through
 * `FS.write` and `FS.ftruncate` (looked up at each call), so wrapping them is the one place to
 * see every write before it happens. An observer's failure (the disk is full) becomes the errno
 * HDF5 would get from a failed write, so HDF5 reports it as one.
 */
export function checkRuntime(emscriptenFs: unknown): void {
  const candidate = emscriptenFs as Partial<EmscriptenFs> | undefined;
  for (const key of ["write", "ftruncate", "getStream", "open", "close", "ErrnoError"] as const) {
    if (typeof candidate?.[key] !== "function") throw changed(`its file system has no FS.${key}`);
  }
  if (!Array.isArray(candidate?.streams)) throw changed("its file system has no FS.streams table");
  fs = candidate as EmscriptenFs;
  hookWrites();
  selfTest();
}

function hookWrites(): void {
  const write = fs.write;
  const ftruncate = fs.ftruncate;
  fs.write = function (stream, buffer, offset, length, position, canOwn) {
    if (captured !== null && stream.nfd === STDERR) {
      captured.push(Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString("utf8"));
      return length;
    }
    const observer = stream.nfd === undefined ? undefined : observers.get(stream.nfd);
    if (observer) {
      const at = position ?? stream.position ?? 0;
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
      asErrno(() => observer.beforeWrite(stream.nfd as number, at, bytes));
    }
    return write.call(this, stream, buffer, offset, length, position, canOwn);
  };
  fs.ftruncate = function (fd, length) {
    const nfd = fs.getStream(fd)?.nfd;
    const observer = nfd === undefined ? undefined : observers.get(nfd);
    if (observer) asErrno(() => observer.beforeTruncate(nfd as number, Number(length)));
    return ftruncate.call(this, fd, length);
  };
}

const STDERR = 2;
/** What HDF5 printed on stderr since {@link captureStderr} began, or null when not capturing. */
let captured: string[] | null = null;

/**
 * Keep what HDF5 prints on stderr instead of printing it, until the returned function is
 * called (it returns the text): HDF5's default error handler prints its error stack there,
 * which is how a failed call says what went wrong.
 */
export function captureStderr(): () => string {
  const outer = captured;
  const mine: string[] = [];
  captured = mine;
  return () => {
    captured = outer;
    return mine.join("");
  };
}

// WASI's numbers, which Emscripten's ErrnoError takes: EFBIG 22, EIO 29, ENOSPC 51.
const WASI_ERRNO: Record<string, number> = { ENOSPC: 51, EFBIG: 22 };
const WASI_EIO = 29;

function asErrno(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    throw new fs.ErrnoError(WASI_ERRNO[(err as NodeJS.ErrnoException).code ?? ""] ?? WASI_EIO);
  }
}

/**
 * Open a file through the hooked file system, write to it and truncate it, and check that the
 * hooks saw both with the stream's own descriptor: what the rollback journal depends on.
 */
function selfTest(): void {
  let dir: string;
  try {
    dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), "h5logger-check-"));
  } catch {
    return; // no writable temp folder: nothing to test with (the checks of the shape above still hold)
  }
  const seen: string[] = [];
  let stream: (Stream & { fd: number }) | null = null;
  try {
    const before = openStreams();
    stream = fs.open(path.join(dir, "probe"), "w+");
    const [opened] = streamsOpenedSince(before);
    if (opened !== stream || typeof stream.nfd !== "number")
      throw changed("a newly opened file does not show in FS.streams with its descriptor");
    const nfd = stream.nfd;
    observers.set(nfd, {
      beforeWrite: (fd, position, bytes) => seen.push(`write ${fd} ${position} ${bytes.length}`),
      beforeTruncate: (fd, length) => seen.push(`truncate ${fd} ${length}`),
    });
    fs.write(stream, new Int8Array(4), 0, 4, 0);
    fs.ftruncate(stream.fd, 2);
    if (seen.join(";") !== `write ${nfd} 0 4;truncate ${nfd} 2`)
      throw changed(`its file system's writes did not reach h5logger's hooks (${seen.join(";")})`);
    if (nodeFs.fstatSync(nfd).size !== 2) throw changed("FS.ftruncate did not truncate the file");
  } finally {
    if (stream?.nfd !== undefined) observers.delete(stream.nfd);
    if (stream) fs.close(stream);
    nodeFs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The streams open now, to tell which ones a call opens. */
export function openStreams(): Set<Stream> {
  return new Set(fs.streams.filter((s): s is Stream => s !== null));
}

/** The streams with an operating-system descriptor opened since `before`. */
export function streamsOpenedSince(before: Set<Stream>): Stream[] {
  return fs.streams.filter((s): s is Stream => s !== null && !before.has(s) && typeof s.nfd === "number");
}

/** Have `observer` see every write to the file open as descriptor `nfd` (`null` stops it). */
export function observeWrites(nfd: number, observer: WriteObserver | null): void {
  if (observer) observers.set(nfd, observer);
  else observers.delete(nfd);
}
