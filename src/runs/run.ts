/**
 * {@link H5Run}: reads a run folder, every writer's file at once: its writers, the series in
 * any of them, one series across writers per step ({@link H5Run.aggregate}), and new rows of
 * every writer as they come ({@link H5Run.follow}), writers that join later included.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ClosedError, FileError, InvalidNameError } from "../model/errors.js";
import { H5Reader, type FollowOptions, type OpenOptions } from "../read/reader.js";
import { writerOf } from "../recovery/holder.js";
import { inspectLock, lockProvesDead } from "../recovery/lock.js";
import { locateForReading } from "../recovery/location.js";
import { type AggregateSource, aggregate, type RunAggregate } from "./aggregate.js";
import { isRunFolder, listRuns, listWriters, locateRun, type RunFolder, type RunSummary, writerName, writerPath } from "./folder.js";
import { followRun, type RunFollowedRows } from "./follow.js";
import { readIndex } from "./index-file.js";

/** Options of `H5Logger.openRun()`. */
export interface RunOpenOptions {
  /** How long to wait for the run folder to exist, in ms. @default 10000 */
  timeout?: number;
  /** Pause between looks, in ms. @default 100 */
  retryEvery?: number;
  /** Stop waiting when this signal aborts. */
  signal?: AbortSignal;
}

/**
 * Where a writer of the run stands: `live` while it writes (with or without concurrent
 * readers), `closed` once it closed its file, `crashed` when it ended without closing
 * (`H5Logger.recoverRun` repairs it; it is read meanwhile from a private copy),
 * `unreadable` when its file cannot be read (yet): `problem` says why.
 */
export interface RunWriter {
  writer: string;
  /** Its file's absolute path. */
  file: string;
  state: "live" | "closed" | "crashed" | "unreadable";
  problem?: string;
}

/** One writer's series, as {@link H5Run.series} gives it. */
export interface WriterSeries {
  writer: string;
  /** Steps (safe integers), or row indexes for a writer without a step column. */
  step: Float64Array;
  value: Float64Array;
}

/** One writer: its reader, once its file could be opened. */
interface Entry {
  reader: H5Reader | null;
  problem: string | null;
}

/** Names ending so belong to the dataset before the suffix (FORMAT.md). */
const COMPANION = /\.(step|time)$/;

/**
 * A run opened for reading. Reading never modifies a file. Each writer's file is read as
 * `H5Logger.open(file, { snapshot: true })` reads it: in HDF5's SWMR mode when its writer let
 * concurrent readers in, else from a private copy of its last completed flush (a cost in
 * proportion to the file, at every {@link refresh} that finds it changed).
 *
 * @example
 * const run = await H5Logger.openRun("runs/exp1");
 * const { step, mean, min, max } = run.aggregate("train/loss");
 * run.close();
 */
export class H5Run implements Disposable {
  /** The folder, as given. */
  readonly folder: string;
  /** Its absolute real path. */
  readonly path: string;
  /** The run's name: the folder's. */
  readonly name: string;
  readonly #run: RunFolder;
  readonly #entries = new Map<string, Entry>();
  #closed = false;
  /** open() waited for the folder to appear: every row in it was written since we began. */
  #waitedForFolder = false;

  private constructor(run: RunFolder) {
    this.#run = run;
    this.folder = run.name;
    this.path = run.path;
    this.name = path.basename(run.path);
    this.refresh();
  }

  /** Open a run folder, waiting up to `timeout` for it to exist. A run with no writer yet is fine. */
  static async open(folder: string, options: RunOpenOptions = {}): Promise<H5Run> {
    const giveUpAt = Date.now() + (options.timeout ?? 10_000);
    const existed = fs.existsSync(folder);
    for (;;) {
      options.signal?.throwIfAborted();
      if (fs.existsSync(folder) || Date.now() >= giveUpAt) {
        const run = new H5Run(locateRun(folder));
        run.#waitedForFolder = !existed;
        return run;
      }
      await sleep(Math.max(0, Math.min(options.retryEvery ?? 100, giveUpAt - Date.now())), undefined, { signal: options.signal });
    }
  }

  /** The runs of a folder of runs (a log dir): each subfolder. Only lists folders; opens no file. */
  static list(logdir: string): RunSummary[] {
    return listRuns(logdir);
  }

  /** Whether a folder is a run (it holds writers' files or an index, or no subfolder) rather than a folder of runs. */
  static isRun(folder: string): boolean {
    return isRunFolder(locateRun(folder).path);
  }

  /** The writers, sorted, as of the last {@link refresh}: every `<writer>.h5` of the folder but `index.h5`. */
  get writers(): string[] {
    this.#check();
    return [...this.#entries.keys()];
  }

  /** The run's attributes (its configuration, set by `H5Logger.inRun({ runAttrs })`), read from its index. */
  get attrs(): Record<string, unknown> {
    this.#check();
    return readIndex(this.#run).attrs;
  }

  /** Where each writer stands now (see {@link RunWriter}). */
  status(): RunWriter[] {
    this.#check();
    return this.writers.map((writer) => {
      const file = writerPath(this.#run, writer);
      const entry = this.#entries.get(writer) as Entry;
      try {
        const { state, ended } = writerOf(locateForReading(file));
        const crashed = state === "crashed" || (state === "swmr" && ended);
        return { writer, file, state: crashed ? "crashed" : state === "none" ? "closed" : "live" };
      } catch (err) {
        return { writer, file, state: "unreadable", problem: entry.problem ?? (err as Error).message };
      }
    });
  }

  /**
   * The run's reader of one writer's file, refreshed by {@link refresh} and closed by
   * {@link close}: do not close it yourself ({@link open} gives a reader of your own).
   * @throws InvalidNameError for an unknown writer; FileError when its file cannot be read (yet)
   */
  reader(writer: string): H5Reader {
    this.#check();
    const entry = this.#entries.get(writer);
    if (!entry) throw this.#unknown(writer);
    if (!entry.reader) throw new FileError(writerName(this.#run, writer), `cannot be read yet: ${entry.problem}`);
    return entry.reader;
  }

  /** A reader of one writer's file, yours to close: `H5Logger.open(file, { snapshot: true, ...options })`. */
  open(writer: string, options: OpenOptions = {}): Promise<H5Reader> {
    this.#check();
    if (!this.#entries.has(writer)) return Promise.reject(this.#unknown(writer));
    return H5Reader.open(writerName(this.#run, writer), { snapshot: true, ...options });
  }

  /** Every dataset in any writer's file (as `H5Reader.keys()` lists them), sorted. */
  keys(): string[] {
    this.#check();
    const all = new Set<string>();
    for (const [, reader] of this.#readable()) for (const name of reader.keys()) all.add(name);
    return [...all].sort();
  }

  /**
   * The series `name` across the writers that have it, per step: mean, min, max and count of
   * the values at each step (see {@link RunAggregate}). Steps come from each writer's
   * `NAME.step` column, or its row index when it has none. Reads as of the last {@link refresh}.
   * @throws InvalidNameError when no writer has it, or it is not a series of numbers
   */
  aggregate(name: string): RunAggregate {
    return aggregate(String(name).replace(/^\//, ""), this.#sources(name));
  }

  /** The writers that have the series `name`, with its rows and step column. */
  #sources(name: string): AggregateSource[] {
    this.#check();
    const bare = String(name).replace(/^\//, "");
    const sources: AggregateSource[] = [];
    for (const [writer, reader] of this.#readable()) {
      if (!reader.has(bare)) continue;
      const values = reader.get(bare);
      if (values.shape.length !== 1 || values.dtype === null || values.dtype === "string" || values.dtype === "bool") {
        throw new InvalidNameError(
          bare,
          `is not a series of numbers in writer ${writer} (shape (${values.shape.join(", ")}), ${values.dtype ?? values.storedType}); aggregate takes one number per row`,
        );
      }
      const steps = reader.has(`${bare}.step`) ? reader.get(`${bare}.step`) : null;
      sources.push({ writer, values, steps });
    }
    if (sources.length === 0) {
      const series = this.keys().filter((k) => !COMPANION.test(k));
      const list = series.length > 10 ? `${series.slice(0, 10).join(", ")}, ...` : series.join(", ") || "none";
      throw new InvalidNameError(bare, `no writer of run ${this.folder} has it (series: ${list})`);
    }
    return sources;
  }

  /**
   * The series `name` of each writer that has it, as the lines of a chart: its steps (its
   * `NAME.step` column, else the row index) and its values, as `Float64Array`s of equal length.
   * Reads as of the last {@link refresh}.
   * @throws InvalidNameError as {@link aggregate} does
   */
  series(name: string): WriterSeries[] {
    return this.#sources(name).map(({ writer, values, steps }) => {
      const length = Math.min(values.length, steps?.length ?? Number.POSITIVE_INFINITY);
      const raw = steps?.slice(0, length) as ArrayLike<bigint> | undefined;
      return {
        writer,
        step: raw ? Float64Array.from(raw, Number) : Float64Array.from({ length }, (_, i) => i),
        value: Float64Array.from(values.slice(0, length) as ArrayLike<number | bigint>, Number),
      };
    });
  }

  /**
   * Yield every writer's new rows as they are appended, polling every `pollEvery` ms; writers
   * that join later are followed from their first row. `names` may be a function, asked for
   * each writer at every poll. Ends once no writer of the run writes any more (after their last
   * rows), or when `signal` aborts; with `waitForWriter`, a run with no live writer yet is waited for.
   */
  follow(
    names: string | readonly string[] | ((reader: H5Reader, writer: string) => string[]),
    options: FollowOptions = {},
  ): AsyncGenerator<RunFollowedRows, void, undefined> {
    this.#check();
    const list = typeof names === "string" ? [names] : typeof names === "function" ? null : [...names];
    const select =
      list === null ? (names as (reader: H5Reader, writer: string) => string[]) : (r: H5Reader) => list.filter((n) => r.has(n));
    const { last } = options;
    return followRun(
      { refresh: () => this.refresh(), readers: () => this.#readable(), live: () => this.#live() },
      {
        select,
        // A run that open() waited for holds only rows written since we began: all of them are new.
        startAt: (length) =>
          this.#waitedForFolder ? 0 : last !== undefined ? Math.max(0, length - last) : options.from === "end" ? length : 0,
        pollEvery: options.pollEvery ?? 100,
        maxRows: options.maxRows ?? 65_536,
        waitForWriter: options.waitForWriter ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  }

  /**
   * Look at the run again: writers that joined (their files are opened), and what every
   * writer appended since. Returns whether anything changed.
   */
  refresh(): boolean {
    this.#check();
    let changed = false;
    const now = listWriters(this.#run.path);
    for (const [writer, entry] of this.#entries) {
      if (now.includes(writer)) continue;
      entry.reader?.close(); // its file was removed
      this.#entries.delete(writer);
      changed = true;
    }
    for (const writer of now) {
      let entry = this.#entries.get(writer);
      if (!entry) {
        entry = { reader: null, problem: null };
        this.#entries.set(writer, entry);
        changed = true;
      }
      if (entry.reader) {
        changed = entry.reader.refresh() || changed;
        continue;
      }
      try {
        entry.reader = H5Reader.openSync(writerName(this.#run, writer), { snapshot: true });
        entry.problem = null;
        changed = true;
      } catch (err) {
        entry.problem = (err as Error).message; // being created, say: tried again at the next refresh
      }
    }
    // Keep the writers sorted: new ones are inserted where they belong.
    const sorted = [...this.#entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#entries.clear();
    for (const [writer, entry] of sorted) this.#entries.set(writer, entry);
    return changed;
  }

  /** Close every writer's reader. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const entry of this.#entries.values()) entry.reader?.close();
    this.#entries.clear();
  }

  /** `using run = await H5Logger.openRun(...)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #readable(): [string, H5Reader][] {
    const out: [string, H5Reader][] = [];
    for (const [writer, entry] of this.#entries) if (entry.reader) out.push([writer, entry.reader]);
    return out;
  }

  /** Whether a writer still writes, or is creating a file not readable yet. */
  #live(): boolean {
    for (const [writer, entry] of this.#entries) {
      if (entry.reader ? entry.reader.live : this.#creating(writer)) return true;
    }
    return false;
  }

  #creating(writer: string): boolean {
    const file = locateForReading(writerPath(this.#run, writer));
    try {
      return writerOf(file).state !== "none";
    } catch {
      // Not HDF5 yet: a live writer creating it holds its lock.
      const lock = inspectLock(file);
      return lock.state !== "none" && !lockProvesDead(lock);
    }
  }

  #unknown(writer: string): InvalidNameError {
    return new InvalidNameError(String(writer), `no such writer in run ${this.folder} (writers: ${this.writers.join(", ") || "none"})`);
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(`the run ${this.folder}`);
  }
}
