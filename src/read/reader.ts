/**
 * {@link H5Reader}: opens a file without modifying it, waits for one that is being created,
 * follows one that is being written.
 *
 * @module
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { readAttributes } from "../hdf5/attributes.js";
import * as hdf5 from "../hdf5/index.js";
import { ClosedError, FileError, InvalidNameError } from "../model/errors.js";
import { hdf5Path } from "../model/names.js";
import { inspectLock, lockProvesDead } from "../recovery/lock.js";
import { type LogFile, locateForReading } from "../recovery/location.js";
import { DatasetView } from "./dataset-view.js";
import { type FollowedRows, followRows } from "./follow.js";
import { NotYet, openView, stamp, type View } from "./open-policy.js";
import { readingNow } from "./open-readers.js";

export type { NestedArray, Row, Rows } from "./dataset-view.js";
export type { FollowedRows } from "./follow.js";

/** Options of {@link H5Reader.follow}. */
export interface FollowOptions {
  /** Stop following when this signal aborts. */
  signal?: AbortSignal;
  /** Pause between polls of the file, in ms. @default 100 */
  pollEvery?: number;
  /** Yield the rows already in the file first (`"start"`), or only rows added from now on (`"end"`). @default "start" */
  from?: "start" | "end";
  /** Start with the last `last` rows already in each dataset (instead of `from`); datasets that appear later start at row 0. */
  last?: number;
  /**
   * Keep following while no writer writes the file, until a writer has come and closed it, as
   * `tail -f` does; otherwise following ends once no writer writes the file. @default false
   */
  waitForWriter?: boolean;
  /**
   * Most rows of one dataset per yield: a reader far behind a fast writer reads its backlog in
   * pieces, without pausing, instead of all at once. @default 65536
   */
  maxRows?: number;
}

/** Options of {@link H5Reader.open} and {@link H5Reader.openSync}. */
export interface OpenOptions {
  /**
   * How long to keep trying while the file cannot be read yet but may be soon, in ms (`open`
   * only): it does not exist yet, a writer is creating it, or holds it without concurrent
   * readers. A file that cannot become readable (a folder, a text file) fails at once. @default 10000
   */
  timeout?: number;
  /** Pause between tries, in ms (`open` only). @default 100 */
  retryEvery?: number;
  /** Wait for a file that does not exist yet (`open` only); `false`: a missing file fails at once. @default true */
  waitForFile?: boolean;
  /** Stop waiting when this signal aborts (`open` only): the promise rejects with its reason. */
  signal?: AbortSignal;
  /**
   * When a writer holds the file without concurrent readers on (HDF5 refuses to open it
   * then), read a private copy of it as of the writer's last flush instead of waiting; each
   * {@link H5Reader.refresh} that finds the file changed takes a new copy. A copy costs time in
   * proportion to the file's size: concurrent readers are the way to follow large files.
   * @default false
   */
  snapshot?: boolean;
}

/** How often an unchanged live file is checked for a writer that died (see {@link H5Reader.refresh}). */
const DEATH_CHECK_MS = 250;

/**
 * An HDF5 file opened for reading. Reading never modifies the file.
 *
 * A file that a writer is writing with concurrent readers on is opened in HDF5's SWMR read
 * mode; {@link refresh} (and {@link follow}) then pick up the rows appended since.
 *
 * A file whose writer crashed (HDF5's "open for write" flags still set, no live writer), or
 * that a write failing for lack of space left shorter than its superblock says, is read from
 * a private copy in the temp folder, recovered there: the file itself is not modified. The
 * copy is deleted when the reader closes; it shows the file as it was when opened.
 * `H5Logger.recover()` recovers the file itself.
 */
export class H5Reader implements Disposable {
  /** The file read, as named (`.h5` added when the name had no extension and no such file exists). */
  readonly filename: string;
  /** The file's absolute real path (symlinks resolved), resolved once when the reader was opened. */
  readonly path: string;
  readonly #file: LogFile;
  #handle: hdf5.FileHandle;
  /** Set for a reader that borrows a writer's handle: whether that writer is still open. */
  readonly #lender: (() => boolean) | null;
  readonly #snapshot: boolean;
  #view: View | null;
  #closed = false;
  /** When an unchanged live file is next checked for a writer that died. */
  #nextDeathCheck = 0;
  /** Whether the handle (and copy) above are closed: between closing one and opening the next. */
  #released = false;
  /** open() waited for the file to appear: a writer was there, and its close ends `follow({ waitForWriter })`. */
  #waitedForFile = false;
  /** Ends this reader's entry among the files this thread reads through HDF5 (see open-readers.ts). */
  #stopReading: (() => void) | null = null;

  private constructor(file: LogFile, view: View | null, snapshot: boolean, borrowed?: { handle: hdf5.FileHandle; open: () => boolean }) {
    this.#file = file;
    this.filename = file.name;
    this.path = file.path;
    this.#snapshot = snapshot;
    this.#view = view;
    this.#handle = view?.handle ?? (borrowed as { handle: hdf5.FileHandle }).handle;
    this.#lender = borrowed?.open ?? null;
    if (view !== null && !view.dispose) this.#stopReading = readingNow(file.path);
  }

  /**
   * Open a file for reading. While it cannot be read yet but may be soon (it does not exist
   * yet, a writer is creating it, or has not let readers in yet), tries again every
   * `retryEvery` ms until `timeout`.
   */
  static async open(filename: string, options: OpenOptions = {}): Promise<H5Reader> {
    const file = locateForReading(filename);
    const timeout = options.timeout ?? 10_000;
    const retryEvery = options.retryEvery ?? 100;
    const giveUpAt = Date.now() + timeout;
    const { signal } = options;
    const existed = fs.existsSync(file.path);
    for (;;) {
      signal?.throwIfAborted();
      try {
        const reader = H5Reader.#openNow(file, options.snapshot ?? false);
        reader.#waitedForFile = !existed;
        return reader;
      } catch (err) {
        if (!(err instanceof NotYet)) throw err;
        if (options.waitForFile === false && !fs.existsSync(file.path)) throw new FileError(file.name, "does not exist", { cause: err });
        if (Date.now() >= giveUpAt) {
          throw new FileError(file.name, `could not be opened for reading within ${timeout} ms: ${err.message}`, {
            cause: err,
            transient: true,
          });
        }
      }
      // The last pause is cut short so that the last try falls on the timeout, not before it.
      await sleep(Math.max(0, Math.min(retryEvery, giveUpAt - Date.now())), undefined, { signal });
    }
  }

  /** Open a file for reading now, or throw. */
  static openSync(filename: string, options: Pick<OpenOptions, "snapshot"> = {}): H5Reader {
    const file = locateForReading(filename);
    try {
      return H5Reader.#openNow(file, options.snapshot ?? false);
    } catch (err) {
      if (err instanceof NotYet) throw new FileError(file.name, err.message.slice(file.name.length + 2), { cause: err, transient: true });
      throw err;
    }
  }

  static #openNow(file: LogFile, snapshot: boolean): H5Reader {
    return new H5Reader(file, openView(file, snapshot), snapshot);
  }

  /** A reader on a writer's open file, valid while `open()` says the writer is. @internal */
  static borrow(file: LogFile, handle: hdf5.FileHandle, open: () => boolean): H5Reader {
    return new H5Reader(file, null, false, { handle, open });
  }

  /** Whether a writer still writes the file (with concurrent readers on, or through snapshots), as of the last refresh. */
  get live(): boolean {
    return this.#view?.live ?? false;
  }

  /**
   * See what a writer appended since the file was opened or last refreshed; returns whether
   * anything changed. When the file is unchanged this costs one `stat`; otherwise the file is
   * reopened, which is what gives correct rows: h5wasm's dataset refresh leaks a handle per
   * call and can return stale chunks.
   */
  refresh(): boolean {
    this.#check();
    const current = this.#view;
    if (current === null || current.frozen) return false; // a writer's own handle, or a crashed file: it will not change
    let now: string;
    try {
      now = stamp(this.#file);
    } catch {
      return false; // gone for now (a writer replacing it): keep the last view
    }
    if (now !== "" && now === current.stamp) {
      // A writer killed without closing writes nothing more: only its lock tells, so look at
      // that now and then (it costs a file read), or follow() would wait for it forever.
      if (!current.live || Date.now() < this.#nextDeathCheck) return false;
      this.#nextDeathCheck = Date.now() + DEATH_CHECK_MS;
      if (!lockProvesDead(inspectLock(this.#file))) return false;
    }
    let view: View;
    try {
      // HDF5 shares one cache between two opens of a file in a process: the old handle must be
      // closed before the file is opened again, or the new one shows the old rows.
      view = openView(this.#file, this.#snapshot, () => this.#release());
    } catch (err) {
      if (err instanceof NotYet && !this.#released) return false; // between modes, or flushing: keep the last consistent view
      throw err;
    }
    this.#release();
    this.#released = false;
    this.#view = view;
    this.#handle = view.handle;
    if (!view.dispose) this.#stopReading = readingNow(this.path);
    return true;
  }

  /**
   * Yield rows of one or more datasets as a writer appends them, polling the file every
   * `pollEvery` ms. Ends when the writer closes the file (after yielding its last rows), or
   * when `signal` aborts. `names` may be a function, asked at every poll: datasets that
   * appear later then join.
   *
   * @example
   * for await (const { name, start, rows } of reader.follow(["loss", "accuracy"])) console.log(name, start, rows);
   */
  follow(
    names: string | readonly string[] | ((reader: H5Reader) => string[]),
    options: FollowOptions = {},
  ): AsyncGenerator<FollowedRows, void, undefined> {
    const list = typeof names === "string" ? [names] : typeof names === "function" ? null : [...names];
    const { last } = options;
    return followRows(this, {
      select: list === null ? (names as (reader: H5Reader) => string[]) : () => list,
      // A file that open() waited for holds only rows added since we began: all of them are new.
      startAt: (_, length) =>
        this.#waitedForFile ? 0 : last !== undefined ? Math.max(0, length - last) : options.from === "end" ? length : 0,
      pollEvery: options.pollEvery ?? 100,
      maxRows: options.maxRows ?? 65_536,
      waitForWriter: options.waitForWriter ?? false,
      writerSeen: this.#waitedForFile,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Full paths of every dataset, like `train/loss`, sorted. */
  keys(): string[] {
    this.#check();
    return hdf5.listDatasets(this.#handle).map((p) => p.slice(1));
  }

  /** Whether the file has a dataset of this name. */
  has(name: string): boolean {
    this.#check();
    return hdf5.objectKind(this.#handle, hdf5Path(String(name).replace(/^\//, ""))) === "dataset";
  }

  /** The file's attributes. */
  get attrs(): Record<string, unknown> {
    this.#check();
    return readAttributes(this.#handle, "/");
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
      return this.#handle;
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
      if (this.#view !== null) hdf5.closeFile(this.#handle);
    } finally {
      this.#view?.dispose?.();
      this.#stopReading?.();
      this.#stopReading = null;
    }
  }

  /** `using reader = ...` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(`the reader of ${this.filename}`);
    if (this.#lender !== null && !this.#lender()) {
      throw new ClosedError(
        `the reader of ${this.filename} (it read through its logger, which is closed; open the file again with H5Logger.open)`,
      );
    }
  }
}
