/**
 * Reading a file whose writer crashed, without modifying it.
 *
 * A writer killed before it closed its file leaves HDF5's "open for write" flags set, and HDF5
 * then refuses to open the file, also read-only, also in SWMR-read mode ("file is not already
 * open for SWMR writing") unless the writer was in SWMR mode. Clearing the flags would modify
 * the file, so a reader opens a private copy instead: copied with `COPYFILE_FICLONE` (a
 * copy-on-write clone where the file system supports it, a full copy elsewhere) into the
 * temp directory, flags cleared there, deleted when the reader closes or the process ends.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as hdf5 from "../hdf5/index.js";
import { closeAtExit, forget } from "./at-exit.js";
import { matchEndOfFile } from "./end-of-file.js";
import { inspectLock } from "./lock.js";
import { repairRows, rollBackIfCrashed } from "./recover.js";
import { clearConsistencyFlags } from "./superblock.js";

export { shortOfEnd } from "./end-of-file.js";

/**
 * Whether no h5logger writer holds `file`: there is no lock, or its writer is gone. For a
 * file flagged "open for write", that means its writer crashed (or is not h5logger).
 */
export function writerGone(file: string): boolean {
  const lock = inspectLock(file);
  return lock.state === "none" || lock.state === "dead" || (lock.state === "unreadable" && lock.dead);
}

/** Whether the file's lock proves that its writer ended without closing it. */
export function writerDied(file: string): boolean {
  const lock = inspectLock(file);
  return lock.state === "dead" || (lock.state === "unreadable" && lock.dead);
}

/** A read-only HDF5 handle on a private copy of a crashed file; `dispose()` deletes the copy once the handle is closed. */
export interface CrashedCopy {
  handle: hdf5.FileHandle;
  dispose(): void;
}

/**
 * Open a private copy of `file`, repaired as `H5Logger.recover` repairs a file: brought back
 * to its writer's last completed flush with the writer's journal, consistency flags cleared, length and end-of-file address made to agree, rows of an interrupted flush
 * that do not line up with their companions dropped. The file itself is only read.
 */
export function openCrashedCopy(file: string): CrashedCopy {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-crashed-"));
  const remove = { closeForExit: () => fs.rmSync(dir, { recursive: true, force: true }) };
  try {
    const copy = path.join(dir, path.basename(file));
    fs.copyFileSync(file, copy, fs.constants.COPYFILE_FICLONE);
    rollBackIfCrashed(copy, file);
    clearConsistencyFlags(copy);
    matchEndOfFile(copy);
    repairRows(copy);
    const handle = hdf5.openFile(copy, "r");
    closeAtExit(remove);
    return {
      handle,
      dispose() {
        forget(remove);
        remove.closeForExit();
      },
    };
  } catch (err) {
    remove.closeForExit();
    throw err;
  }
}
