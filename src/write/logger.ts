/**
 * {@link H5Logger}: `log(name, value)` appends a row to a growing dataset of an HDF5 file.
 *
 * A row's way to the disk: `log()` checks it and copies it into its column's buffer (column.ts);
 * a column appends its rows to the file when its batch is full, every column does when the
 * buffers pass `maxBufferBytes` (budget.ts) or `flushEvery` ms after the last flush
 * (schedule.ts); a flush hands HDF5's caches to the operating system and marks the file
 * complete in the rollback journal (writer-file.ts). Appending one row at a time would cost
 * ~60-90 µs in HDF5; in batches, tens of ns a row.
 *
 * @module
 */
import * as hdf5 from "../hdf5/index.js";
import { describe } from "../model/dtype.js";
import {
  ClosedError,
  FileError,
  H5LoggerError,
  HDF5Error,
  InvalidNameError,
  InvalidOptionError,
  InvalidValueError,
} from "../model/errors.js";
import {
  type AttributeInput,
  checkLogOptions,
  type H5LoggerOptions,
  type LogOptions,
  type ResolvedOptions,
  resolveOptions,
  STRINGS_UNDER_SWMR,
} from "../model/options.js";
import { H5Reader, type OpenOptions } from "../read/reader.js";
import { closeAtExit, forget } from "../recovery/at-exit.js";
import { type RecoveryReport, recover } from "../recovery/recover.js";
import { readSuperblock } from "../recovery/superblock.js";
import { MemoryBudget } from "./budget.js";
import type { Column } from "./column.js";
import { Columns } from "./columns.js";
import { checkDeclarationsAgainstFile } from "./plan.js";
import { FlushSchedule } from "./schedule.js";
import { FlushedRows } from "./shrink.js";
import { WriterFile } from "./writer-file.js";

/**
 * Streams named values into an HDF5 file, one growing dataset per name.
 *
 * @example
 * const logger = new H5Logger("run.h5", { replaceIfExists: true });
 * for (let step = 0; step < 100; step++) logger.log("loss", Math.exp(-step / 10));
 * logger.close();
 */
export class H5Logger implements Disposable {
  /** The file written, as named, with `.h5` appended when the name given had no extension. */
  readonly filename: string;
  /** The file's absolute real path (symlinks resolved), resolved once: a later `process.chdir()` does not move it. */
  readonly path: string;
  /**
   * What opening the file recovered, or null: set when the previous writer of the file died
   * without closing it (its lock proved it dead) and this logger cleared what it left.
   */
  readonly recovered: RecoveryReport | null;
  /**
   * The step recorded for rows logged without `{ step }`, when steps are recorded.
   * Set it once per training step, say. Must be an integer: steps are stored as int64. @default 0
   */
  get step(): number {
    return this.#step;
  }
  set step(value: number) {
    if (!Number.isSafeInteger(value)) throw new InvalidOptionError(`${this.filename}: step must be an integer, got ${describe(value)}`);
    this.#step = value;
  }
  #step = 0;

  readonly #options: ResolvedOptions;
  readonly #writer: WriterFile;
  readonly #file: hdf5.FileHandle;
  readonly #columns: Columns;
  /** The columns' map and the tick counter, held here for log(): see FlushSchedule.deadline. */
  readonly #byName: ReadonlyMap<string, Column>;
  readonly #ticks: Int32Array;
  readonly #budget: MemoryBudget;
  /** Row counts at the last good flush, to shrink back to after a failed write. */
  readonly #flushed = new FlushedRows();
  readonly #schedule: FlushSchedule;
  #state: "open" | "failed" | "closed" = "open";
  #failure: Error | null = null;
  /** The failure happened in a timer's flush: no call has thrown it to the program yet. */
  #failureUnreported = false;

  /**
   * Open `filename` for logging: create it (and its folder), or append to it when it exists
   * (unless `replaceIfExists`). Synchronous: the HDF5 runtime loads when h5logger is imported.
   * Every option, declaration and attribute is checked before the file is touched: a
   * constructor that throws leaves an existing file as it was.
   */
  constructor(filename: string, options?: H5LoggerOptions) {
    this.#options = resolveOptions(options);
    checkDeclarationsAgainstFile(filename, this.#options);
    this.#writer = WriterFile.open(filename, this.#options.replaceIfExists);
    this.filename = this.#writer.file.name;
    this.path = this.#writer.file.path;
    this.recovered = this.#writer.recovered;
    this.#file = this.#writer.handle;
    this.#budget = new MemoryBudget(this.#options.maxBufferBytes);
    this.#columns = new Columns(this.#file, this.#options, this.#budget, this.#flushed);
    this.#byName = this.#columns.byName;
    try {
      for (const [name, declaration] of this.#options.datasets) this.#columns.declare(name, declaration);
      hdf5.writeAttributes(this.#file, "/", this.#options.attrs);
      this.#writer.flush();
      const counted = this.#options.nDatasets !== null && this.#columns.all.length >= this.#options.nDatasets;
      if (this.#options.concurrentReaders || counted) this.#startSwmr();
    } catch (err) {
      this.#writer.close();
      throw err;
    }
    this.#schedule = new FlushSchedule(this.#options.flushEvery, () => this.#flushFromTimer());
    this.#ticks = this.#schedule.ticks;
    closeAtExit(this);
  }

  /**
   * Append one row to the dataset `name`, creating it on first use with the dtype and row
   * shape of `value` (see the README's dtype table). The row is buffered and reaches the
   * file within `flushEvery` ms. Throws, and stores nothing, when `value` does not fit.
   */
  log(name: string, value: unknown, options?: LogOptions): void {
    if (this.#state !== "open") this.#refuse(name);
    const column = this.#byName.get(name);
    if (column === undefined || options !== undefined) {
      this.#logSlowly(name, value, options, column);
      return;
    }
    column.push(value, this.#step, column.companions.time ? nowSeconds() : 0);
    if (column.full || this.#budget.over) this.#writeOut(column);
    if (Atomics.load(this.#ticks, 0) >= this.#schedule.deadline) this.#flush(true);
  }

  // The first log of a name, or a log with options: kept out of log() so the common call stays small.
  #logSlowly(name: string, value: unknown, options: LogOptions | undefined, existing: Column | undefined): void {
    let step = this.#step;
    let column = existing;
    let dtype: ReturnType<typeof checkLogOptions>["dtype"];
    let withStep = false;
    if (options !== undefined) {
      const checked = checkLogOptions(typeof name === "string" ? name : String(name), options);
      if (column && checked.dtype && checked.dtype !== column.spec.dtype) {
        throw new InvalidValueError(column.name, `dtype ${checked.dtype} asked, but the dataset holds ${column.spec.dtype}`);
      }
      if (checked.step !== undefined) step = checked.step;
      dtype = checked.dtype;
      withStep = checked.step !== undefined;
    }
    const isNew = column === undefined;
    column ??= this.#columns.columnFor(name, value, dtype, withStep);
    if (withStep && !column.companions.step) this.#addSteps(column);
    try {
      column.push(value, step, column.companions.time ? nowSeconds() : 0);
    } catch (err) {
      if (isNew && column.rowsOnDisk === 0 && !column.created) this.#columns.drop(column);
      throw err;
    }
    if (column.full || this.#budget.over) this.#writeOut(column);
    if (isNew && this.#columns.all.length === this.#options.nDatasets) this.enableConcurrentReaders();
    if (this.#schedule.due()) this.#flush(true);
  }

  /** A step given for a dataset without a step column: add the column while that is possible, else refuse. */
  #addSteps(column: Column): void {
    const why = this.#columns.swmr
      ? "concurrent readers are on, and HDF5 cannot add its step column now"
      : column.rowsOnDisk > 0 || column.count > 0
        ? "it already has rows without steps"
        : null;
    if (why !== null) {
      throw new InvalidValueError(
        column.name,
        `has no step column (${column.name}.step), so the step of this row cannot be stored: ${why}. Give { step } from the first log of ${column.name}, or set steps: true`,
      );
    }
    this.#guard(() => column.addSteps(this.#file));
  }

  /**
   * Let readers in other processes follow the file from now on (HDF5's SWMR mode). Every
   * dataset logged so far is written out first. Later calls do nothing. Afterwards no new
   * dataset can be added (HDF5 forbids it) and strings cannot be logged.
   */
  enableConcurrentReaders(): void {
    if (this.#state !== "open") this.#refuse();
    if (this.#columns.swmr) return;
    this.#startSwmr();
  }

  #startSwmr(): void {
    const strings = this.#columns.all.find((c) => c.spec.dtype === "string" && c.spec.maxBytes === undefined);
    if (strings) throw new InvalidValueError(strings.name, STRINGS_UNDER_SWMR);
    if (readSuperblock(this.path).version < 3) {
      throw new FileError(
        this.filename,
        `cannot take concurrent readers: it is in HDF5's pre-1.10 format, which SWMR cannot use (h5py writes it unless opened with libver="latest" or ("v110", "v110")); log to a new file, or convert this one with h5repack -L`,
      );
    }
    this.#guard(() => {
      for (const column of this.#columns.all) {
        column.create(this.#file);
        if (column.count > 0) column.append(this.#file);
      }
      this.#writer.flush();
      this.#flushed.record(this.#columns.all);
      this.#writer.startSwmr();
    });
    this.#columns.swmr = true;
  }

  /** Whether readers can follow the file while it is written. */
  get concurrentReaders(): boolean {
    return this.#columns.swmr;
  }

  /** Write every accepted row to the file and hand it to the operating system. */
  flush(): void {
    this.#flush(false);
  }

  /**
   * `scheduled`: the flush `flushEvery` asks for. A dataset's chunk size comes from the rows it
   * has when it is created (chunks.ts), so such a flush leaves a dataset whose first row is
   * younger than half a flush interval, whose rate is unknown yet, for its own deadline: one
   * interval after its first row, so no row waits longer than `flushEvery`.
   */
  #flush(scheduled: boolean): void {
    if (this.#state !== "open") this.#refuse();
    const now = performance.now();
    const every = this.#options.flushEvery;
    let nextAt = Number.POSITIVE_INFINITY;
    this.#guard(() => {
      for (const column of this.#columns.all) {
        if (column.count === 0) continue;
        if (scheduled && !column.created && now - column.bornAt < every / 2) {
          nextAt = Math.min(nextAt, column.bornAt + every);
          continue;
        }
        column.append(this.#file);
      }
      this.#writer.flush();
      this.#flushed.record(this.#columns.all);
    });
    this.#schedule.flushed(nextAt);
  }

  /**
   * Set attributes on the file, or on the dataset `dataset` (which must have been logged or
   * declared). Objects are stored as JSON text and read back as objects.
   */
  setAttrs(attrs: Record<string, AttributeInput>, dataset?: string): void {
    if (this.#state !== "open") this.#refuse();
    if (this.#columns.swmr) {
      throw new InvalidOptionError(
        `${this.filename}: attributes cannot be added while concurrent readers are on (HDF5's SWMR mode forbids it); set them before`,
      );
    }
    let target = "/";
    if (dataset !== undefined) {
      const column = this.#columns.find(dataset);
      if (!column) throw new InvalidNameError(String(dataset), "no such dataset yet; log it or declare it first");
      this.#guard(() => column.create(this.#file));
      target = column.path;
    }
    hdf5.writeAttributes(this.#file, target, attrs);
  }

  /**
   * A reader of this file as written so far (every accepted row is flushed first). It shares
   * this logger's file handle: closing it leaves the logger open, and it cannot be used once
   * the logger is closed.
   */
  open(): H5Reader {
    this.flush();
    return H5Reader.borrow(this.#writer.file, this.#file, () => this.#state !== "closed");
  }

  /**
   * Write every accepted row and close the file. Safe to call twice. After a failed write it
   * still closes the file and releases the lock; it throws only what no call has reported
   * yet (a failed flush from the timer), or that the file could not be closed cleanly.
   */
  close(): void {
    if (this.#state === "closed") return;
    this.#schedule.stop();
    forget(this);
    let error: unknown = null;
    if (this.#state === "open") {
      try {
        this.flush();
      } catch (err) {
        error = err;
      }
    } else if (this.#failureUnreported) {
      error = this.#failure;
    }
    this.#state = "closed";
    try {
      this.#writer.close();
    } catch (err) {
      const before = error ? `${(error as Error).message}; then it ` : "it ";
      error = new FileError(
        this.filename,
        `${before}could not be closed cleanly (${(err as Error).message}). Rows flushed before the first error are in the file; run \`npx h5logger recover ${this.filename}\` before opening it with other tools`,
        { cause: err },
      );
    }
    if (error) throw error;
  }

  /** Called at process exit: like close(). */
  closeForExit(): void {
    this.close();
  }

  /** `using logger = new H5Logger(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Opens a file for reading: see {@link H5Reader.open}. */
  static open(filename: string, options?: OpenOptions): Promise<H5Reader> {
    return H5Reader.open(filename, options);
  }

  /** Opens a file for reading without waiting: see {@link H5Reader.openSync}. */
  static openSync(filename: string, options?: Pick<OpenOptions, "snapshot">): H5Reader {
    return H5Reader.openSync(filename, options);
  }

  /**
   * Make a file whose writer crashed readable by every HDF5 tool again, without HDF5 tools:
   * undoes a flush the crash cut short, clears the "open for write" flags HDF5 left in it and
   * the writer's stale lock, and reports what the file holds. Refuses while a writer still
   * runs. The command line does the same: `npx h5logger recover FILE`.
   *
   * @example
   * const report = H5Logger.recover("run.h5");
   * console.log(report.flagsCleared, report.datasets); // true [{ name: "loss", rows: 1200, dtype: "float64" }]
   */
  static recover(filename: string): RecoveryReport {
    return recover(filename);
  }

  #refuse(dataset?: string): never {
    // log() names the dataset, as every other error of log() does.
    const prefix = dataset === undefined ? "" : `cannot log ${JSON.stringify(String(dataset))}: `;
    if (this.#state === "closed") throw new ClosedError(`${prefix}the logger of ${this.filename}`);
    this.#failureUnreported = false;
    throw new H5LoggerError(
      "HDF5",
      `${prefix}the logger of ${this.filename} stopped after an error and accepts nothing more: ${this.#failure?.message}`,
      { cause: this.#failure },
    );
  }

  // After a failed write we cannot tell what reached the file: stop rather than risk misaligned
  // rows, and shrink every dataset back to the last good flush (see shrink.ts).
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InvalidValueError || err instanceof InvalidNameError) throw err;
      this.#state = "failed";
      const problems = this.#flushed.shrink(this.#file, this.#columns.all);
      const kept =
        problems.length === 0 ? "keeps exactly the rows of the last successful flush" : "may need `npx h5logger recover` after close()";
      this.#failure = new HDF5Error(`${(err as Error).message}. The logger of ${this.filename} stopped; the file ${kept}`, { cause: err });
      throw this.#failure;
    }
  }

  #flushFromTimer(): void {
    if (this.#state !== "open") return;
    try {
      this.#flush(true);
    } catch {
      // No caller to throw to from a timer: the next call (log, flush or close) reports it.
      this.#failureUnreported = true;
    }
  }

  /** A full batch goes to the file; past the memory bound every column's rows go, and buffers shrink. */
  #writeOut(column: Column): void {
    if (column.full) this.#guard(() => column.append(this.#file));
    if (this.#budget.over) {
      this.flush();
      for (const c of this.#columns.all) c.release();
    }
  }
}

function nowSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}
