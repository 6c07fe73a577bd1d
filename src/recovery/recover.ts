/**
 * Recovery of a file whose writer crashed, with no HDF5 tools: the file brought back to its
 * writer's last completed flush (roll back, with the journal), HDF5's "open for write" flags
 * cleared (as `h5clear -s` does), its length and recorded end matched, rows of an interrupted
 * flush that do not line up with their companions trimmed, and the dead writer's lock removed.
 *
 * {@link recover} does it on request, once it has made sure that no writer still runs. A new
 * writer does it by itself when that is safe, that is when the lock proves the previous writer
 * dead ({@link recoverForWriter}); otherwise it refuses, naming the one command that fixes it.
 *
 * @module
 */
import fs from "node:fs";
import { FileError, LockedError } from "../model/errors.js";
import * as hdf5 from "../hdf5/index.js";
import { isFlagged } from "./holder.js";
import { type JournalRollback, rollBack } from "./journal.js";
import { type LogFile, locateForReading } from "./location.js";
import { acquireLock, type LockHolder, type WriterLock } from "./lock.js";
import { writerLockHeld } from "./os-lock.js";
import { clearConsistencyFlags, matchEndOfFile, readSuperblock, shortOfEnd } from "./superblock.js";
import { applyTrim, planTrim, type TrimmedDataset } from "./trim.js";

/** One dataset of a recovered file. */
export interface RecoveredDataset {
  /** Full path, like `train/loss`. */
  name: string;
  /** Rows in the file. */
  rows: number;
  /** h5logger's dtype name, or the stored type (numpy style) when h5logger does not write it. */
  dtype: string;
  /** Set when HDF5 cannot even describe the dataset: what it says. */
  unreadable?: string;
}

/** What {@link recover} did and found. */
export interface RecoveryReport {
  /** The file, as named. */
  file: string;
  /** Whether HDF5's "open for write" flags were set (the writer never closed the file) and are now cleared. */
  flagsCleared: boolean;
  /** The writer whose stale lock was removed: it ended without releasing it. */
  staleLock: LockHolder | null;
  /**
   * Bytes of zeros appended to bring the file up to the end-of-file address its superblock
   * records: a write that failed for lack of space (or a file size limit) leaves the file
   * short, and HDF5 then refuses it as truncated. 0 when the file was not short.
   */
  zeroFilled: number;
  /**
   * Bytes by which the superblock's end-of-file address was raised to the file's length, as
   * `h5clear --increment` does: a writer killed during a flush can leave metadata past the
   * recorded end. 0 when nothing was past it.
   */
  endAddressRaised: number;
  /**
   * Rows dropped because a writer killed in the middle of a flush left a dataset and its
   * step/time companions with different row counts (see trim.ts). Only rows of the
   * interrupted flush are ever concerned.
   */
  trimmed: TrimmedDataset[];
  /**
   * What the rollback journal undid: the writer was killed during a flush, and the file was
   * brought back to its last completed flush (see journal.ts). `null` when there was no journal
   * to apply.
   */
  rolledBack: JournalRollback | null;
  /** What the file holds now. */
  datasets: RecoveredDataset[];
}

/**
 * Make a file whose writer crashed readable again, then open it read-only and report what it
 * holds. Harmless on a file that was closed properly (nothing is written then).
 *
 * @throws LockedError when a writer still holds the file (its pid is in the message)
 * @throws FileError when the file does not exist, is not HDF5, cannot be written, or HDF5 cannot open it even recovered
 */
export function recover(filename: string): RecoveryReport {
  const file = locateForReading(filename);
  if (!fs.existsSync(file.path)) throw new FileError(file.name, "does not exist");
  try {
    readSuperblock(file.path);
  } catch (err) {
    throw new FileError(file.name, `cannot be recovered: ${(err as Error).message}`, { cause: err });
  }
  checkWritable(file);
  const lock = acquireLock(file);
  try {
    if (writerLockHeld(file.path) === true) {
      throw new LockedError(file.name, "is being written by another program (it holds HDF5's file lock: an h5py writer?); close it first");
    }
    const rolledBack = rollBackIfCrashed(file.path, file.journal, true);
    const { changed } = clearConsistencyFlags(file.path);
    const { zeroFilled, addressRaised } =
      changed || shortOfEnd(file.path) ? matchEndOfFile(file.path) : { zeroFilled: 0, addressRaised: 0 };
    const changedFile = changed || zeroFilled > 0 || addressRaised > 0;
    const trimmed = changedFile ? trimRows(file.path) : [];
    return {
      file: file.name,
      flagsCleared: changed,
      staleLock: lock.replaced,
      zeroFilled,
      endAddressRaised: addressRaised,
      trimmed,
      rolledBack,
      datasets: describe(file, changedFile),
    };
  } finally {
    lock.release();
  }
}

/** Recovery writes to the file: one it cannot write gets a clear error before anything is done. */
function checkWritable(file: LogFile): void {
  try {
    fs.accessSync(file.path, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? "this user cannot write it (it is read-only here)"
        : (err as Error).message;
    throw new FileError(
      file.name,
      `cannot be recovered: ${why}; recovery writes to the file. Copy it somewhere writable and recover the copy`,
      {
        cause: err,
      },
    );
  }
}

/**
 * For a new writer holding `lock`: recover the file if its previous writer crashed and the
 * lock proves it dead; returns what was done, or null when there was nothing to do. Also
 * before replacing the file: a flagged file may be another program's, still being written.
 * @param append - whether the writer appends to the file (then the report lists its datasets)
 * @throws LockedError when the flags are set but no lock proves their writer gone
 */
export function recoverForWriter(file: LogFile, lock: WriterLock, append: boolean): RecoveryReport | null {
  const flagged = fs.existsSync(file.path) && isFlagged(file.path);
  if (flagged && lock.replaced === null) {
    throw new LockedError(
      file.name,
      `was not closed by its last writer (HDF5's "open for write" flags are set) and no h5logger lock shows that writer ended; it may be another program still writing. If nothing writes it, run \`npx h5logger recover ${file.name}\`, then open it again`,
    );
  }
  if (!flagged && lock.replaced === null) return null;
  const rolledBack = rollBackIfCrashed(file.path, file.journal, true);
  const changed = flagged && clearConsistencyFlags(file.path).changed;
  const { zeroFilled, addressRaised } = changed ? matchEndOfFile(file.path) : { zeroFilled: 0, addressRaised: 0 };
  const trimmed = changed && append ? trimRows(file.path) : [];
  const datasets = changed && append ? describe(file, true) : [];
  const report: RecoveryReport = {
    file: file.name,
    flagsCleared: changed,
    staleLock: lock.replaced,
    zeroFilled,
    endAddressRaised: addressRaised,
    trimmed,
    rolledBack,
    datasets,
  };
  const what = changed ? `recovered the file (cleared HDF5's "open for write" flags)` : "took over its stale lock";
  const thread = lock.replaced?.threadId ? `, thread ${lock.replaced.threadId}` : "";
  const who = `pid ${lock.replaced?.pid}${thread}, since ${lock.replaced?.startedAt}`;
  process.emitWarning(`${file.name}: its previous writer (${who}) ended without closing it; ${what}`, { code: "H5LOGGER_RECOVERED" });
  return report;
}

/**
 * Bring `target` (the log file, or a private copy of it) back to its writer's last completed
 * flush with the writer's journal; `ownJournal` says the journal belongs to `target` and is
 * removed afterwards (a copy's is the original's: left in place). A journal beside a file that
 * was closed (flags clear) is stale: it is not applied.
 */
export function rollBackIfCrashed(target: string, journal: string, ownJournal: boolean): JournalRollback | null {
  const rolledBack = isFlagged(target) ? rollBack(target, journal) : null;
  if (ownJournal) fs.rmSync(journal, { force: true });
  return rolledBack;
}

/**
 * Drop the rows a flush cut short left unmatched by their companions (see trim.ts); returns
 * the cuts made. The file is opened for writing only when there is something to cut.
 */
export function trimRows(target: string): TrimmedDataset[] {
  const reading = hdf5.openFile(target, "r");
  let plan: TrimmedDataset[];
  try {
    plan = planTrim(reading);
  } catch {
    return []; // a dataset that cannot even be described: describe() reports it
  } finally {
    hdf5.closeFile(reading);
  }
  if (plan.length === 0) return plan;
  const writing = hdf5.openFile(target, "a");
  try {
    const failed = new Set(applyTrim(writing, plan).map((f) => f.name));
    return plan.filter((cut) => !failed.has(cut.name));
  } finally {
    hdf5.closeFile(writing);
  }
}

function describe(file: LogFile, recovered: boolean): RecoveredDataset[] {
  let handle: hdf5.FileHandle;
  try {
    handle = hdf5.openFile(file.path, "r");
  } catch (err) {
    const done = recovered ? "it is recovered as far as h5logger can (flags, end of file), but " : "";
    throw new FileError(
      file.name,
      `${done}HDF5 cannot open it: ${(err as Error).message}; the file may be damaged beyond what h5logger recovers`,
      { cause: err },
    );
  }
  try {
    return hdf5.listDatasets(handle).map((path): RecoveredDataset => {
      let info: hdf5.DatasetInfo;
      try {
        info = hdf5.datasetInfo(handle, path);
      } catch (err) {
        return { name: path.slice(1), rows: 0, dtype: "unknown", unreadable: (err as Error).message };
      }
      return { name: path.slice(1), rows: info.shape[0] ?? 1, dtype: info.dtype ?? info.storedType };
    });
  } finally {
    hdf5.closeFile(handle);
  }
}
