/**
 * Reading: {@link H5Reader} opens a file without modifying it; {@link DatasetView} reads
 * only the rows asked for.
 *
 * @module
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { readAttributes } from "../hdf5/attributes.js";
import * as hdf5 from "../hdf5/index.js";
import type { Dtype, TypedArray } from "../model/dtype.js";
import { ClosedError, FileError, InvalidNameError } from "../model/errors.js";
import { hdf5Path } from "../model/names.js";
import { resolveFilename } from "../model/options.js";
import { formatShape, rowSize } from "../model/rows.js";
import { journalGeneration } from "../recovery/journal.js";
import { openCrashedCopy, shortOfEnd, writerDied, writerGone } from "../recovery/private-copy.js";
import { readSuperblock } from "../recovery/superblock.js";

/** One row as {@link DatasetView.at} returns it: a scalar, or the row's elements in row-major order. */
export type Row = number | bigint | boolean | string | TypedArray | boolean[] | string[];

/** Rows as {@link DatasetView.slice} returns them. */
export type Rows = TypedArray | boolean[] | string[] | Row[];

/** Nested JavaScript arrays, as {@link DatasetView.toArray} returns them. */
export type NestedArray = number | bigint | boolean | string | NestedArray[];

/** New rows of one dataset, as {@link H5Reader.follow} yields them. */
export interface FollowedRows {
  /** The dataset. */
  name: string;
  /** Index of the first of these rows in the dataset. */
  start: number;
  /** The rows, in the form {@link DatasetView.slice} returns. */
  rows: Rows;
}

/** Options of {@link H5Reader.follow}. */
export interface FollowOptions {
  /** Stop following when this signal aborts. */
  signal?: AbortSignal;
  /** Pause between polls of the file, in ms. @default 100 */
  pollEvery?: number;
  /** Yield the rows already in the file first (`"start"`), or only rows added from now on (`"end"`). @default "start" */
  from?: "start" | "end";
  /**
   * Most rows of one dataset per yield: a reader far behind a fast writer reads its backlog in
   * pieces, without pausing, instead of all at once (which once took a soak reader to 2.8 GB).
   * @default 65536
   */
  maxRows?: number;
}

/** Options of {@link H5Reader.open} and {@link H5Reader.openSync}. */
export interface OpenOptions {
  /** How long to keep trying while the file does not exist yet or cannot be opened, in ms (`open` only). @default 10000 */
  timeout?: number;
  /** Pause between tries, in ms (`open` only). @default 100 */
  retryEvery?: number;
  /** Stop waiting when this signal aborts (`open` only): the promise rejects with its reason. */
  signal?: AbortSignal;
  /**
   * When a writer holds the file without concurrent readers on (HDF5 refuses to open it
   * then), read a private copy of it as of the writer's last flush instead of failing; each
   * {@link H5Reader.refresh} that finds the file changed takes a new copy. A copy is taken
   * only when the file has been quiet for a moment (a flush is not under way), and it costs
   * time in proportion to the file's size: concurrent readers are the way to follow large files.
   * @default false
   */
  snapshot?: boolean;
}

/** Where a writer stands, as the file's superblock tells. */
type WriterState = "none" | "swmr" | "exclusive";

function writerState(filename: string): WriterState {
  const sb = readSuperblock(filename);
  // Version 0-2 superblocks keep no reliable flags; HDF5 itself ignores them there.
  if (sb.version < 3) return "none";
  if (sb.swmrWrite) return "swmr";
  return sb.openForWrite ? "exclusive" : "none";
}

/** File times this close to now may still change without changing: see {@link stamp}. */
const SETTLE_MS = 20;
/** A snapshot is copied only from a file unchanged for this long: a writer's flush is over. */
const QUIET_MS = 50;

/**
 * Size and modification time: when both are unchanged, the file holds no new rows. Kernels
 * before Linux 6.13 keep file times to a clock tick (up to 10 ms), so a write in the same tick
 * as our stat leaves them unchanged: a file changed less than {@link SETTLE_MS} ago gets an
 * empty stamp, which never matches, and the next refresh looks again.
 */
function stamp(filename: string): string {
  const st = fs.statSync(filename, { bigint: true });
  if (Date.now() - Number(st.mtimeNs / 1_000_000n) < SETTLE_MS) return "";
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * An HDF5 file opened for reading. Reading never modifies the file.
 *
 * A file that a writer is writing with concurrent readers on is opened in HDF5's SWMR read
 * mode; {@link refresh} (and {@link follow}) then pick up the rows appended since.
 *
 * A file whose writer crashed (HDF5's "open for write" flags still set, no live writer
 * holding its lock), or that a write failing for lack of space left shorter than its
 * superblock says, is read from a private copy in the temp directory, repaired there: the
 * file itself is not modified. The copy is deleted when the reader closes; it shows the file
 * as it was when opened. `H5Logger.recover()` repairs the file itself.
 */
export class H5Reader implements Disposable {
  /** The file read. */
  readonly filename: string;
  #file: hdf5.FileHandle;
  readonly #owned: boolean;
  readonly #snapshot: boolean;
  #live: boolean;
  #stamp: string;
  #closed = false;
  /** When an unchanged live file is next checked for a writer that died (see {@link refresh}). */
  #nextDeathCheck = 0;
  /** Deletes the private copy being read (a crashed file, or a snapshot); unset when the file itself is read. */
  #dispose: (() => void) | undefined;
  /** Whether the handle (and copy) above are closed: between closing one and opening the next. */
  #released = false;

  private constructor(view: View | null, filename: string, snapshot: boolean, borrowed?: hdf5.FileHandle) {
    this.filename = filename;
    this.#owned = borrowed === undefined;
    this.#snapshot = snapshot;
    this.#file = view?.handle ?? (borrowed as hdf5.FileHandle);
    this.#dispose = view?.dispose;
    this.#live = view?.live ?? false;
    this.#stamp = view?.stamp ?? "";
  }

  /**
   * Open a file for reading. While the file does not exist yet, or cannot be opened
   * (a writer is creating it, or has not switched concurrent readers on yet), tries again
   * every `retryEvery` ms until `timeout`.
   */
  static async open(filename: string, options: OpenOptions = {}): Promise<H5Reader> {
    const resolved = resolveFilename(filename);
    const timeout = options.timeout ?? 10_000;
    const retryEvery = options.retryEvery ?? 100;
    const giveUpAt = Date.now() + timeout;
    const { signal } = options;
    for (;;) {
      signal?.throwIfAborted();
      try {
        return H5Reader.openSync(resolved, options);
      } catch (err) {
        if (timeout <= 0) throw err;
        if (Date.now() >= giveUpAt) {
          throw new FileError(resolved, `could not be opened for reading within ${timeout} ms: ${(err as Error).message}`, { cause: err });
        }
      }
      // The last pause is cut short so that the last try falls on the timeout, not before it.
      await sleep(Math.max(0, Math.min(retryEvery, giveUpAt - Date.now())), undefined, { signal });
    }
  }

  /** Open a file for reading now, or throw. */
  static openSync(filename: string, options: Pick<OpenOptions, "snapshot"> = {}): H5Reader {
    const resolved = resolveFilename(filename);
    if (!fs.existsSync(resolved)) throw new FileError(resolved, "does not exist");
    const snapshot = options.snapshot ?? false;
    const view = openView(resolved, snapshot);
    if (view === "busy") {
      throw new FileError(
        resolved,
        snapshot
          ? "is being flushed by its writer; try again in a moment"
          : "is open for writing without concurrent readers, or its writer crashed; readers can open it once the writer enables concurrentReaders or closes (after a crash: `npx h5logger recover`)",
      );
    }
    return new H5Reader(view, resolved, snapshot);
  }

  /** A reader on a writer's open file; closing it leaves the file open. @internal */
  static borrow(file: hdf5.FileHandle, filename: string): H5Reader {
    return new H5Reader(null, filename, false, file);
  }

  /** Whether a writer still writes the file (with concurrent readers on), as of the last refresh. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * See what a writer appended since the file was opened or last refreshed; returns whether
   * anything changed. When the file is unchanged this costs one `stat`; otherwise the file is
   * reopened, which is what gives correct rows: h5wasm's dataset refresh leaks a handle per
   * call and can return stale chunks.
   */
  refresh(): boolean {
    this.#check();
    if (!this.#owned) return false;
    if (this.#dispose && !this.#snapshot) return false; // a crashed file: it will not change
    const now = stamp(this.filename);
    if (now !== "" && now === this.#stamp) {
      // A writer killed without closing writes nothing more: only its lock tells, so look at
      // that now and then (it costs a file read), or follow() would wait for it forever.
      if (!this.#live || Date.now() < this.#nextDeathCheck) return false;
      this.#nextDeathCheck = Date.now() + 250;
      if (!writerDied(this.filename)) return false;
    }
    // HDF5 shares one cache between two opens of a file in a process: the old handle must be
    // closed before the file is opened again, or the new one shows the old rows.
    const view = openView(this.filename, this.#snapshot, () => this.#release());
    if (view === "busy") return false; // a writer is between modes, or flushing: keep the last consistent view
    this.#release();
    this.#released = false;
    this.#file = view.handle;
    this.#dispose = view.dispose;
    this.#live = view.live;
    this.#stamp = view.stamp;
    return true;
  }

  /**
   * Yield rows of one or more datasets as a writer appends them, polling the file every
   * `pollEvery` ms. Ends when the writer closes the file (after yielding its last rows), or
   * when `signal` aborts.
   *
   * @example
   * for await (const { name, start, rows } of reader.follow(["loss", "accuracy"])) console.log(name, start, rows);
   */
  async *follow(names: string | readonly string[], options: FollowOptions = {}): AsyncGenerator<FollowedRows, void, undefined> {
    const list = typeof names === "string" ? [names] : [...names];
    const pollEvery = options.pollEvery ?? 100;
    const maxRows = options.maxRows ?? 65_536;
    const { signal } = options;
    const seen = new Map(list.map((name) => [name, options.from === "end" ? this.get(name).length : 0]));
    for (;;) {
      if (signal?.aborted) return;
      const wasLive = this.#live;
      this.refresh();
      let behind = false;
      for (const name of list) {
        const view = this.get(name);
        const start = seen.get(name) ?? 0;
        const end = Math.min(view.length, start + maxRows);
        if (end > start) {
          seen.set(name, end);
          behind ||= end < view.length;
          yield { name, start, rows: view.slice(start, end) };
        }
      }
      if (behind) continue;
      // One more poll after the writer closes catches rows it wrote while closing.
      if (!wasLive && !this.#live) return;
      try {
        await sleep(pollEvery, undefined, { signal });
      } catch {
        return; // aborted
      }
    }
  }

  /** Full paths of every dataset, like `train/loss`, sorted. */
  keys(): string[] {
    this.#check();
    return hdf5.listDatasets(this.#file).map((p) => p.slice(1));
  }

  /** Whether the file has a dataset of this name. */
  has(name: string): boolean {
    this.#check();
    return hdf5.objectKind(this.#file, hdf5Path(name.replace(/^\//, ""))) === "dataset";
  }

  /** The file's attributes. */
  get attrs(): Record<string, unknown> {
    this.#check();
    return readAttributes(this.#file, "/");
  }

  /** A view of one dataset; nothing is read until you ask for rows. */
  get(name: string): DatasetView {
    this.#check();
    const bare = String(name).replace(/^\//, "");
    if (!this.has(bare)) {
      const known = this.keys();
      const list = known.length > 10 ? `${known.slice(0, 10).join(", ")}, ...` : known.join(", ") || "none";
      throw new InvalidNameError(bare, `no such dataset in ${this.filename} (datasets: ${list})`);
    }
    return new DatasetView(bare, () => {
      this.#check();
      return this.#file;
    });
  }

  /** Close the file. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      if (this.#owned) hdf5.closeFile(this.#file);
    } finally {
      this.#dispose?.();
      this.#dispose = undefined;
    }
  }

  /** `using reader = ...` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(`the reader of ${this.filename}`);
  }
}

/** An open handle on the file, or on a private copy of it, and what it shows. */
interface View {
  handle: hdf5.FileHandle;
  /** Deletes the private copy; unset when the file itself is open. */
  dispose?: () => void;
  /** Whether a writer may still append to the file. */
  live: boolean;
  /** The file's {@link stamp} when it was opened. */
  stamp: string;
}

/**
 * Open the file as its state allows: itself when no writer holds it or one writes it with
 * concurrent readers on; a repaired private copy when its writer crashed; with `snapshot`, a
 * private copy when a live writer holds it exclusively. `"busy"` when it cannot be read now.
 * `beforeOpeningFile` runs just before the file itself (not a copy) is opened.
 */
function openView(file: string, snapshot: boolean, beforeOpeningFile: () => void = () => {}): View | "busy" {
  let state: WriterState;
  const before = stamp(file);
  try {
    state = writerState(file);
  } catch (err) {
    throw new FileError(file, `is not a readable HDF5 file: ${(err as Error).message}`, { cause: err });
  }
  const crashed = (state === "exclusive" && writerGone(file)) || (state === "none" && shortOfEnd(file));
  if (crashed) return { ...openCrashedCopy(file), live: false, stamp: before };
  if (state === "exclusive") {
    if (!snapshot) return "busy";
    // An h5logger writer journals each flush: a copy rolled back with the journal read after
    // it is the last completed flush, if no flush completed meanwhile. Another writer's file
    // is copied only when it has been quiet for a while and did not change while copied.
    const generation = journalGeneration(file);
    if (generation === null && (before === "" || Date.now() - mtimeMs(file) < QUIET_MS)) return "busy";
    const copy = openCrashedCopy(file);
    const consistent = generation === null ? stamp(file) === before : journalGeneration(file) === generation;
    if (!consistent) {
      hdf5.closeFile(copy.handle);
      copy.dispose();
      return "busy";
    }
    return { ...copy, live: true, stamp: before };
  }
  try {
    // A SWMR writer that died left its flags on: the file opens, but no one will append.
    const live = state === "swmr" && !writerDied(file);
    beforeOpeningFile();
    return { handle: hdf5.openFile(file, state === "swmr" ? "Sr" : "r"), live, stamp: before };
  } catch (err) {
    throw new FileError(file, `cannot be opened for reading: ${(err as Error).message}`, { cause: err });
  }
}

function mtimeMs(file: string): number {
  return fs.statSync(file).mtimeMs;
}

/**
 * One dataset of an open file. Rows are read from the file only when asked for.
 *
 * What {@link slice} returns, by dtype: a series of scalars gives a typed array
 * (`Float64Array` for float64, `BigInt64Array` for int64, `Uint8Array` for uint8, ...),
 * `boolean[]` for bool and `string[]` for strings. A dataset whose rows are arrays gives an
 * array with one entry per row, each entry that row's elements in row-major order in the
 * same form.
 */
export class DatasetView {
  /** The dataset's full path, like `train/loss`. */
  readonly name: string;
  readonly #source: () => hdf5.FileHandle;
  #info: hdf5.DatasetInfo;

  /** @internal */
  constructor(name: string, source: () => hdf5.FileHandle) {
    this.name = name;
    this.#source = source;
    this.#info = hdf5.datasetInfo(source(), hdf5Path(name));
  }

  get #file(): hdf5.FileHandle {
    return this.#source();
  }

  /** The dataset's shape: rows first, then the row shape. */
  get shape(): number[] {
    return [...this.#info.shape];
  }

  /** The element type, or `null` for a stored type h5logger does not read (see {@link storedType}). */
  get dtype(): Dtype | null {
    return this.#info.dtype;
  }

  /**
   * The stored type as h5py's numpy names it (`<f8`, `|u1`, `|O` for strings, `|b1` for h5py's
   * enum booleans). h5logger's own booleans are stored as `|u1` (see FORMAT.md); {@link dtype}
   * says `bool` for both.
   */
  get storedType(): string {
    if (this.#info.dtype === "string") return "|O";
    if (this.#info.storedType === "bool") return "|b1";
    return this.#info.storedType;
  }

  /**
   * Bytes the rows take in the file, as HDF5's `H5Dget_storage_size` counts them (allocated
   * chunks; 16 bytes per variable-length string); `null` for a compressed dataset.
   */
  get storageBytes(): number | null {
    return hdf5.storageBytes(this.#file, hdf5Path(this.name), this.#info);
  }

  /** Number of rows (0 for a rank-0 dataset, which holds one value: read it with {@link value}). */
  get length(): number {
    return this.#info.shape[0] ?? 0;
  }

  /** The dataset's attributes. */
  get attrs(): Record<string, unknown> {
    return readAttributes(this.#file, hdf5Path(this.name));
  }

  /** Read the dataset's shape again (after {@link H5Reader.refresh}), to see rows appended since. */
  refresh(): void {
    this.#info = hdf5.datasetInfo(this.#file, hdf5Path(this.name));
  }

  /**
   * Rows `start` (inclusive) to `end` (exclusive); negative indexes count from the end, as in
   * Python, and out-of-range indexes are clipped. Only these rows are read from the file.
   */
  slice(start = 0, end = this.length): Rows {
    const [from, to] = clip(start, end, this.length);
    return this.#rows(from, to);
  }

  /** Row `index` (negative counts from the end). */
  at(index: number): Row {
    const i = index < 0 ? this.length + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`${this.name}: row ${index} is out of range for ${this.length} rows`);
    }
    const rows = this.#rows(i, i + 1);
    return this.#info.shape.length === 1 ? ((rows as ArrayLike<Row>)[0] as Row) : ((rows as Row[])[0] as Row);
  }

  /** Every row: `slice(0, length)`. */
  get value(): Rows {
    return this.slice();
  }

  /** Every row as nested JavaScript arrays (int64 values as bigints, to stay exact). */
  toArray(): NestedArray[] {
    const flat = this.#flat(0, this.length);
    return nest(Array.from(flat as ArrayLike<NestedArray>), this.#info.shape);
  }

  /** Like h5py: `<HDF5 dataset "loss": shape (10,), type "<f8">`. */
  toString(): string {
    const base = this.name.split("/").at(-1);
    return `<HDF5 dataset "${base}": shape ${formatShape(this.#info.shape)}, type "${this.storedType}">`;
  }

  #flat(from: number, to: number): TypedArray | boolean[] | string[] {
    const data = hdf5.readRows(this.#file, hdf5Path(this.name), this.#info, from, to);
    if (this.#info.dtype === "bool") return Array.from(data as Uint8Array, (b) => b !== 0);
    return data as TypedArray | string[];
  }

  #rows(from: number, to: number): Rows {
    const flat = this.#flat(from, to);
    if (this.#info.shape.length <= 1) return flat;
    const perRow = rowSize(this.#info.shape.slice(1));
    const rows: Row[] = [];
    for (let r = 0; r < to - from; r++) {
      const begin = r * perRow;
      rows.push(
        ArrayBuffer.isView(flat) ? (flat as TypedArray).subarray(begin, begin + perRow) : (flat.slice(begin, begin + perRow) as Row),
      );
    }
    return rows;
  }
}

function clip(start: number, end: number, length: number): [number, number] {
  const norm = (i: number) => Math.min(length, Math.max(0, i < 0 ? length + i : i));
  const from = norm(Math.trunc(start));
  const to = norm(Math.trunc(end));
  return [from, Math.max(from, to)];
}

function nest(flat: NestedArray[], shape: readonly number[]): NestedArray[] {
  if (shape.length <= 1) return flat;
  const inner = shape.slice(1);
  const step = rowSize(inner);
  const out: NestedArray[] = [];
  for (let i = 0; i < (shape[0] ?? 0); i++) out.push(nest(flat.slice(i * step, (i + 1) * step), inner));
  return out;
}
