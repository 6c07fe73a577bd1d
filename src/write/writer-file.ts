/**
 * The file a logger writes, and everything that keeps it safe: its location (resolved once),
 * the h5logger lock, HDF5's file lock (so that HDF5 programs see our writer as they see
 * h5py's), the recovery of a crashed predecessor, the HDF5 handle, the rollback journal that
 * every write passes, and this thread's registry of files it writes.
 *
 * @module
 */
import fs from "node:fs";
import * as hdf5 from "../hdf5/index.js";
import { FileError, H5LoggerError, LockedError } from "../model/errors.js";
import { readersOf } from "../read/open-readers.js";
import { Journal } from "../recovery/journal.js";
import { type LogFile, locateForWriting } from "../recovery/location.js";
import { acquireLock, systemProblem, type WriterLock } from "../recovery/lock.js";
import { lockExclusive, type OsLock, prepareLocks } from "../recovery/os-lock.js";
import { type RecoveryReport, recoverForWriter } from "../recovery/recover.js";
import { isHdf5 } from "../recovery/superblock.js";
import { identityOf, register, writerOfIdentity } from "./registry.js";

/** An open file being written. */
export class WriterFile {
  readonly file: LogFile;
  readonly handle: hdf5.FileHandle;
  /** What opening it recovered, or null: its previous writer died without closing it. */
  readonly recovered: RecoveryReport | null;
  readonly #lock: WriterLock;
  #osLock: OsLock | null;
  readonly #journal: Journal;
  readonly #identity: string;
  readonly #unregister: () => void;
  #goneReported = false;

  private constructor(parts: {
    file: LogFile;
    handle: hdf5.FileHandle;
    recovered: RecoveryReport | null;
    lock: WriterLock;
    osLock: OsLock | null;
    journal: Journal;
    identity: string;
  }) {
    this.file = parts.file;
    this.handle = parts.handle;
    this.recovered = parts.recovered;
    this.#lock = parts.lock;
    this.#osLock = parts.osLock;
    this.#journal = parts.journal;
    this.#identity = parts.identity;
    this.#unregister = register(parts.identity, parts.file.name);
  }

  /**
   * Open `filename` for writing: create it (its folder too), or append to it when it exists
   * (unless `replace`). Nothing is left behind when this throws: no lock, no open file.
   */
  static open(filename: string, replace: boolean): WriterFile {
    prepareLocks(); // the child that takes HDF5's lock boots while the checks below run
    const file = locateForWriting(filename);
    const existing = fs.statSync(file.path, { throwIfNoEntry: false });
    if (existing) refuseIfThisThreadHasIt(file, identityOf(existing));
    // Before opening: replaceIfExists must not truncate a file that a live writer holds.
    const lock = acquireLock(file);
    const undo: (() => void)[] = [() => lock.release()];
    try {
      const append = existing !== undefined && !replace;
      if (append && !isHdf5(file.path)) {
        throw new FileError(file.name, "exists and is not an HDF5 file; pass replaceIfExists: true to replace it, or choose another name");
      }
      const osLock = existing ? lockExisting(file) : createLocked(file);
      if (osLock) undo.push(() => osLock.release());
      const recovered = recoverForWriter(file, lock, append);
      const handle = append ? openForAppend(file) : createFresh(file);
      undo.push(() => hdf5.closeFile(handle));
      // A fresh file is complete on disk only once flushed; from then on every change is journaled.
      if (!append) hdf5.flushFile(handle);
      const journal = new Journal(file, hdf5.fileLength(handle));
      hdf5.observeWrites(handle, journal);
      return new WriterFile({ file, handle, recovered, lock, osLock, journal, identity: identityOf(hdf5.fileStat(handle)) });
    } catch (err) {
      for (const step of undo.reverse()) step();
      if (err instanceof H5LoggerError) throw err;
      throw new FileError(file.name, `cannot be opened for writing: ${systemProblem(err)}`, { cause: err });
    }
  }

  /** Write what HDF5 holds to the operating system, and mark the file complete at this point. */
  flush(): void {
    hdf5.flushFile(this.handle);
    this.#journal.checkpoint(hdf5.fileLength(this.handle));
    this.#noticeIfGone();
  }

  /** Let concurrent readers in (HDF5's SWMR mode), and HDF5 programs with them, as HDF5's own SWMR writer does. */
  startSwmr(): void {
    hdf5.startSwmrWrite(this.handle);
    this.#osLock?.release();
    this.#osLock = null;
  }

  /**
   * Close the file and let go of everything. `clean: false` when the close failed: the
   * journal then stays, for recovery.
   */
  close(): void {
    let clean = false;
    try {
      hdf5.closeFile(this.handle);
      clean = true;
    } finally {
      hdf5.observeWrites(this.handle, null);
      if (clean) this.#journal.finish();
      else this.#journal.abandon();
      this.#osLock?.release();
      this.#unregister();
      this.#lock.release();
    }
  }

  /**
   * A file deleted or replaced while it is written takes every later row with it: say so, once
   * (a process warning; the logger goes on writing to the file it has open).
   */
  #noticeIfGone(): void {
    if (this.#goneReported) return;
    const now = fs.statSync(this.file.path, { throwIfNoEntry: false });
    const replaced = now !== undefined && identityOf(now) !== this.#identity;
    const deleted = now === undefined || hdf5.fileStat(this.handle).nlink === 0;
    const what = replaced ? "was replaced by another file" : deleted ? "was deleted" : null;
    if (what === null) return;
    this.#goneReported = true;
    process.emitWarning(
      `${this.file.name} ${what} while h5logger writes it: the rows logged from now on go to a file that no name reaches, and are lost when the logger closes`,
      { code: "H5LOGGER_FILE_GONE" },
    );
  }
}

function refuseIfThisThreadHasIt(file: LogFile, identity: string): void {
  const writer = writerOfIdentity(identity);
  if (writer !== undefined) {
    const as = writer === file.name ? "" : ` (as ${writer})`;
    throw new LockedError(file.name, `this thread (pid ${process.pid}) already writes this file${as}; close that logger first`);
  }
  if (readersOf(file.path) > 0) {
    throw new LockedError(
      file.name,
      "this process has it open for reading (an H5Reader), and HDF5 cannot open a file for writing that the same process reads; close the reader first, or read through logger.open()",
    );
  }
}

/** Take HDF5's file lock on an existing file, or say who keeps us from it. */
function lockExisting(file: LogFile): OsLock | null {
  const lock = lockExclusive(file.path);
  if (lock !== "held") return lock;
  throw new LockedError(
    file.name,
    "is open in another program, which holds HDF5's file lock on it (an h5py reader or writer, say, or an h5logger writer that reached it by another name); close it first, or set HDF5_USE_FILE_LOCKING=FALSE as HDF5 allows",
  );
}

/**
 * Create an empty file that appears under its name already holding HDF5's file lock: an HDF5
 * reader that finds it then meets the lock ("unable to lock file", which readers retry on)
 * rather than an empty file. Made beside it, locked, then hard-linked into place.
 */
function createLocked(file: LogFile): OsLock | null {
  const temp = `${file.path}.creating`;
  fs.rmSync(temp, { force: true }); // left by a writer that died here (we hold the lock now)
  try {
    fs.closeSync(fs.openSync(temp, "wx"));
  } catch (err) {
    throw new FileError(file.name, `cannot be created: ${systemProblem(err)}`, { cause: err });
  }
  const taken = lockExclusive(temp);
  const lock = taken === "held" ? null : taken; // a file just created is locked by no one else
  try {
    fs.linkSync(temp, file.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      lock?.release();
      throw new FileError(file.name, "was created by another program while this logger was opening it; try again", { cause: err });
    }
    fs.renameSync(temp, file.path); // no hard links on this file system
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return lock;
}

/** Create (or truncate) the file with HDF5. */
function createFresh(file: LogFile): hdf5.FileHandle {
  try {
    return hdf5.createFile(file.path);
  } catch (err) {
    throw new FileError(file.name, `cannot create the file: ${(err as Error).message}`, { cause: err });
  }
}

/** Open an existing HDF5 file for appending. */
function openForAppend(file: LogFile): hdf5.FileHandle {
  try {
    return hdf5.openFile(file.path, "a");
  } catch (err) {
    const message = (err as Error).message;
    if (/truncated file/i.test(message)) {
      throw new FileError(
        file.name,
        `is shorter than HDF5 recorded, as a write that failed for lack of space leaves it; run \`npx h5logger recover ${file.name}\`, then open it again`,
        { cause: err },
      );
    }
    if (/already open for write|file locking|consistency flags/i.test(message)) {
      throw new LockedError(
        file.name,
        `is open for writing elsewhere, or its writer crashed; if no writer runs, run \`npx h5logger recover ${file.name}\``,
      );
    }
    if (/permission denied|read-only/i.test(message) || !canWrite(file.path)) {
      throw new FileError(
        file.name,
        "cannot be appended to: this user may not write it (it is read-only here); choose another name or change its permissions",
        {
          cause: err,
        },
      );
    }
    throw new FileError(file.name, `cannot be opened for appending: ${message}`, { cause: err });
  }
}

function canWrite(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
