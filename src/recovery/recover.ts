/**
 * Recovery of a file whose writer crashed: no HDF5 tools needed.
 *
 * A writer killed with `kill -9` leaves HDF5's "open for write" flags set in the superblock,
 * and its lock file behind. Every row it flushed is in the file; HDF5 refuses to open the
 * file until the flags are cleared. {@link recover} clears them (as `h5clear -s` does) once
 * it has made sure that no writer still runs, and reports what the file holds.
 *
 * A new writer recovers by itself when that is safe, that is when the lock file proves the
 * previous writer dead (see {@link recoverForWriter}); otherwise it refuses, naming the one
 * command that fixes it.
 *
 * @module
 */
import fs from "node:fs";
import * as hdf5 from "../hdf5/index.js";
import { FileError, LockedError } from "../model/errors.js";
import { resolveFilename } from "../model/options.js";
import { matchEndOfFile, shortOfEnd } from "./end-of-file.js";
import { type JournalRollback, journalPath, rollBack } from "./journal.js";
import { acquireLock, type LockHolder, type WriterLock } from "./lock.js";
import { clearConsistencyFlags, readSuperblock } from "./superblock.js";
import { applyRepair, planRepair, type TrimmedDataset } from "./trim.js";

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
  /** The file. */
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
   * step/time companions with different row counts (see repair.ts). Only rows of the
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
 * Make a file whose writer crashed readable again: clear its consistency flags and remove
 * its stale lock, then open it read-only and report what it holds. Harmless on a file that
 * was closed properly (nothing is written then).
 *
 * @throws LockedError when a writer still holds the file (its pid is in the message)
 * @throws FileError when the file does not exist, is not HDF5, or HDF5 cannot open it even with its flags cleared
 */
export function recover(filename: string): RecoveryReport {
  const file = resolveFilename(filename);
  if (!fs.existsSync(file)) throw new FileError(file, "does not exist");
  superblockOf(file);
  const lock = acquireLock(file);
  try {
    const rolledBack = rollBackIfCrashed(file);
    const { changed } = clearConsistencyFlags(file);
    const { zeroFilled, addressRaised } = changed || shortOfEnd(file) ? matchEndOfFile(file) : { zeroFilled: 0, addressRaised: 0 };
    const repaired = changed || zeroFilled > 0 || addressRaised > 0;
    const trimmed = repaired ? repairRows(file) : [];
    return {
      file,
      flagsCleared: changed,
      staleLock: lock.replaced,
      zeroFilled,
      endAddressRaised: addressRaised,
      trimmed,
      rolledBack,
      datasets: describe(file, repaired),
    };
  } finally {
    lock.release();
  }
}

/**
 * For a new writer holding `lock`: recover the file if its previous writer crashed and the
 * lock proves it dead; returns what was done, or null when there was nothing to do. Also
 * before replacing the file: a flagged file may be another program's, still being written.
 * @param append - whether the writer appends to the file (then the report lists its datasets)
 * @throws LockedError when the flags are set but no lock proves their writer gone
 */
export function recoverForWriter(file: string, lock: WriterLock, append: boolean): RecoveryReport | null {
  const flagged = fs.existsSync(file) && isFlagged(file);
  if (flagged && lock.replaced === null) {
    throw new LockedError(
      file,
      `was not closed by its last writer (HDF5's "open for write" flags are set) and no h5logger lock shows that writer ended; it may be another program still writing. If nothing writes it, run \`npx h5logger recover ${file}\`, then open it again`,
    );
  }
  if (!flagged && lock.replaced === null) return null;
  const rolledBack = rollBackIfCrashed(file);
  const changed = flagged && clearConsistencyFlags(file).changed;
  const { zeroFilled, addressRaised } = changed ? matchEndOfFile(file) : { zeroFilled: 0, addressRaised: 0 };
  const trimmed = changed && append ? repairRows(file) : [];
  const datasets = changed && append ? describe(file, true) : [];
  const report: RecoveryReport = {
    file,
    flagsCleared: changed,
    staleLock: lock.replaced,
    zeroFilled,
    endAddressRaised: addressRaised,
    trimmed,
    rolledBack,
    datasets,
  };
  const what = changed ? `recovered the file (cleared HDF5's "open for write" flags)` : "took over its stale lock";
  const who = `pid ${lock.replaced?.pid}, since ${lock.replaced?.startedAt}`;
  process.emitWarning(`${file}: its previous writer (${who}) ended without closing it; ${what}`, { code: "H5LOGGER_RECOVERED" });
  return report;
}

/**
 * Bring a file whose writer died back to its last completed flush with the writer's journal
 * (the journal of `journalOf`, which is `file` unless `file` is a private copy), then remove a
 * journal that is not a copy's. A journal beside a file that was closed (flags clear) is stale:
 * it is removed, not applied.
 */
export function rollBackIfCrashed(file: string, journalOf = file): JournalRollback | null {
  const rolledBack = isFlagged(file) ? rollBack(file, journalPath(journalOf)) : null;
  if (journalOf === file) fs.rmSync(journalPath(file), { force: true });
  return rolledBack;
}

/** Whether a v3 superblock (the only one whose flags HDF5 checks) says a writer has the file open. */
function isFlagged(file: string): boolean {
  let sb: ReturnType<typeof readSuperblock>;
  try {
    sb = readSuperblock(file);
  } catch {
    return false; // not HDF5: opening it for appending says so
  }
  return sb.version >= 3 && (sb.openForWrite || sb.swmrWrite);
}

function superblockOf(file: string): ReturnType<typeof readSuperblock> {
  try {
    return readSuperblock(file);
  } catch (err) {
    throw new FileError(file, `cannot be recovered: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Drop the rows a flush cut short left unmatched by their companions (see repair.ts); returns
 * the cuts made. The file is opened for writing only when there is something to cut.
 */
export function repairRows(file: string): TrimmedDataset[] {
  const reading = hdf5.openFile(file, "r");
  let plan: TrimmedDataset[];
  try {
    plan = planRepair(reading);
  } catch {
    return []; // a dataset that cannot even be described: describe() reports it
  } finally {
    hdf5.closeFile(reading);
  }
  if (plan.length === 0) return plan;
  const writing = hdf5.openFile(file, "a");
  try {
    const failed = new Set(applyRepair(writing, plan).map((f) => f.name));
    return plan.filter((cut) => !failed.has(cut.name));
  } finally {
    hdf5.closeFile(writing);
  }
}

function describe(file: string, repaired: boolean): RecoveredDataset[] {
  let handle: hdf5.FileHandle;
  try {
    handle = hdf5.openFile(file, "r");
  } catch (err) {
    const done = repaired ? "it is repaired as far as h5logger can (flags, end of file), but " : "";
    throw new FileError(
      file,
      `${done}HDF5 cannot open it: ${(err as Error).message}; the file may be damaged beyond what h5logger repairs`,
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
