/**
 * Does a writer hold this file? The one answer, from what the file's superblock flags, its
 * h5logger lock and (for other programs) the HDF5 file lock say, for every reader, writer and
 * recovery.
 *
 * @module
 */
import { inspectLock, type LockState, lockProvesDead } from "./lock.js";
import type { LogFile } from "./location.js";
import { writerLockHeld } from "./os-lock.js";
import { readSuperblock, shortOfEnd, writerFlagged } from "./superblock.js";

/**
 * Where the file's writer stands:
 * - `none`: no writer has it open (closed cleanly, or an old superblock that keeps no flags);
 * - `swmr`: a writer has it open with concurrent readers on (HDF5's SWMR mode): readers may open it;
 * - `exclusive`: a live writer has it open without concurrent readers: HDF5 refuses every other open;
 * - `crashed`: its writer ended without closing it (or a write failing for lack of space left
 *   it shorter than recorded): HDF5 refuses it until it is recovered.
 */
export type WriterState = "none" | "swmr" | "exclusive" | "crashed";

/** What {@link writerOf} found. */
export interface WriterStatus {
  state: WriterState;
  /** What the h5logger lock says. */
  lock: LockState;
  /** Whether the writer is known to have ended: its lock proves it (for `swmr`: the SWMR writer died). */
  ended: boolean;
}

/**
 * Where the writer of `file` stands.
 * @throws Error when the file is not HDF5 or its superblock cannot be read (the message says why)
 */
export function writerOf(file: LogFile): WriterStatus {
  const sb = readSuperblock(file.path);
  const lock = inspectLock(file);
  const ended = lockProvesDead(lock);
  if (!writerFlagged(sb)) return { state: shortOfEnd(file.path) ? "crashed" : "none", lock, ended };
  if (sb.swmrWrite) return { state: "swmr", lock, ended };
  if (ended) return { state: "crashed", lock, ended };
  if (lock.state !== "none") return { state: "exclusive", lock, ended };
  // No h5logger lock: another program's file. Its writer is alive while it holds HDF5's lock.
  return { state: writerLockHeld(file.path) === true ? "exclusive" : "crashed", lock, ended };
}

/** Whether HDF5's "open for write" flags are set (version 3 superblocks, the only ones whose flags HDF5 checks). */
export function isFlagged(path: string): boolean {
  try {
    return writerFlagged(readSuperblock(path));
  } catch {
    return false; // not HDF5: opening it says so
  }
}
