/**
 * Reading a file that HDF5 would refuse, without modifying it: a private copy, recovered.
 *
 * A writer killed before it closed its file leaves HDF5's "open for write" flags set, and HDF5
 * then refuses to open the file, also read-only; a live writer without concurrent readers
 * holds it the same way. A reader opens a copy instead: made with `COPYFILE_FICLONE` (a
 * copy-on-write clone where the file system supports it, a full copy elsewhere) in the temp
 * folder, recovered there as `recover` would recover the file, deleted when the reader closes
 * or the process ends. A process killed before it could delete its copies leaves them behind:
 * the next process that makes a copy deletes those of processes that are gone.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as hdf5 from "../hdf5/index.js";
import { closeAtExit, forget } from "./at-exit.js";
import type { LogFile } from "./location.js";
import { rollBackIfCrashed, trimRows } from "./recover.js";
import { clearConsistencyFlags, matchEndOfFile } from "./superblock.js";

/** A read-only HDF5 handle on a private copy; `dispose()` deletes the copy once the handle is closed. */
export interface PrivateCopy {
  handle: hdf5.FileHandle;
  dispose(): void;
}

const PREFIX = "h5logger-copy-";
let sweptStale = false;

/**
 * Open a private copy of `file`, recovered as `H5Logger.recover` recovers a file: brought
 * back to its writer's last completed flush with the writer's journal, consistency flags
 * cleared, length and end-of-file address made to agree, rows of an interrupted flush that
 * do not line up with their companions trimmed. The file itself is only read.
 */
export function openPrivateCopy(file: LogFile): PrivateCopy {
  if (!sweptStale) removeStaleCopies();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
  const remove = { closeForExit: () => fs.rmSync(dir, { recursive: true, force: true }) };
  try {
    const copy = path.join(dir, path.basename(file.path));
    fs.copyFileSync(file.path, copy, fs.constants.COPYFILE_FICLONE);
    rollBackIfCrashed(copy, file.journal, false);
    clearConsistencyFlags(copy);
    matchEndOfFile(copy);
    trimRows(copy);
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

/** Delete the copies of processes on this host that ended without deleting theirs. */
function removeStaleCopies(): void {
  sweptStale = true;
  let entries: string[];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^h5logger-copy-(\d+)-/.exec(entry)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
