/**
 * How a reader opens a file, by where its writer stands (recovery/holder.ts): the file itself
 * when no writer holds it, in HDF5's SWMR read mode when its writer let readers in, a recovered
 * private copy when its writer crashed, and — when asked for snapshots — a private copy of the
 * last completed flush when a live writer holds it without concurrent readers. Also which
 * failures are worth waiting out: only what can change.
 *
 * @module
 */
import fs from "node:fs";
import * as hdf5 from "../hdf5/index.js";
import { FileError } from "../model/errors.js";
import { type WriterStatus, writerOf } from "../recovery/holder.js";
import { journalGeneration } from "../recovery/journal.js";
import { inspectLock, lockProvesDead } from "../recovery/lock.js";
import type { LogFile } from "../recovery/location.js";
import { writerLockHeld } from "../recovery/os-lock.js";
import { openPrivateCopy } from "../recovery/private-copy.js";

/** An open handle on the file, or on a private copy of it, and what it shows. */
export interface View {
  handle: hdf5.FileHandle;
  /** Deletes the private copy; unset when the file itself is open. */
  dispose?: () => void;
  /** Whether a writer may still append to the file. */
  live: boolean;
  /** Whether this is a copy of a crashed file: it will not change. */
  frozen: boolean;
  /** The file's {@link stamp} when it was opened. */
  stamp: string;
}

/** Why a file cannot be opened now, when waiting may help. */
export class NotYet extends Error {
  override name = "NotYet";
}

/** File times this close to now may still change without changing: see {@link stamp}. */
const SETTLE_MS = 20;
/** An empty file younger than this may be one a writer is creating. */
const CREATING_MS = 5_000;
/** A snapshot of another program's file is copied only once it is unchanged for this long. */
const QUIET_MS = 50;

/**
 * Size and modification time: when both are unchanged, the file holds no new rows. Kernels
 * before Linux 6.13 keep file times to a clock tick (up to 10 ms), so a write in the same tick
 * as our stat leaves them unchanged: a file changed less than {@link SETTLE_MS} ago gets an
 * empty stamp, which never matches, and the next refresh looks again.
 */
export function stamp(file: LogFile): string {
  const st = fs.statSync(file.path, { bigint: true });
  if (Date.now() - Number(st.mtimeNs / 1_000_000n) < SETTLE_MS) return "";
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * Open `file` as its writer's state allows. `beforeOpeningFile` runs just before the file
 * itself (not a copy) is opened.
 * @throws NotYet when it cannot be read now but may be soon; FileError when it cannot be read
 */
export function openView(file: LogFile, snapshot: boolean, beforeOpeningFile: () => void = () => {}): View {
  if (!fs.existsSync(file.path)) throw new NotYet(`${file.name}: does not exist`);
  const before = stamp(file);
  let status: WriterStatus;
  try {
    status = writerOf(file);
  } catch (err) {
    if (beingCreated(file)) throw new NotYet(`${file.name}: is being created by its writer`);
    throw new FileError(file.name, `is not a readable HDF5 file: ${(err as Error).message}`, { cause: err });
  }
  if (status.state === "crashed") return { ...openPrivateCopy(file), live: false, frozen: true, stamp: before };
  if (status.state === "exclusive") {
    if (!snapshot) {
      throw new NotYet(
        `${file.name}: is open for writing without concurrent readers; readers can open it once the writer enables concurrentReaders or closes`,
      );
    }
    return snapshotOf(file, before);
  }
  try {
    beforeOpeningFile();
    const handle = hdf5.openFile(file.path, status.state === "swmr" ? "Sr" : "r");
    // A SWMR writer that died left its flags on: the file opens, but no one will append.
    return { handle, live: status.state === "swmr" && !status.ended, frozen: false, stamp: before };
  } catch (err) {
    if (beingCreated(file)) throw new NotYet(`${file.name}: is being written: ${(err as Error).message}`);
    throw new FileError(file.name, `cannot be opened for reading: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A copy of the last completed flush. An h5logger writer journals each flush: a copy rolled
 * back with the journal read after it is the last completed flush, if no flush completed
 * meanwhile. Another writer's file is copied only when it has been quiet for a while and did
 * not change while copied.
 */
function snapshotOf(file: LogFile, before: string): View {
  const generation = journalGeneration(file);
  if (generation === null && (before === "" || Date.now() - fs.statSync(file.path).mtimeMs < QUIET_MS)) {
    throw new NotYet(`${file.name}: is being flushed by its writer`);
  }
  const copy = openPrivateCopy(file);
  const consistent = generation === null ? stamp(file) === before : journalGeneration(file) === generation;
  if (!consistent) {
    hdf5.closeFile(copy.handle);
    copy.dispose();
    throw new NotYet(`${file.name}: is being flushed by its writer`);
  }
  return { ...copy, live: true, frozen: false, stamp: before };
}

/**
 * Whether a writer is creating the file right now, so that what is not HDF5 yet may be soon:
 * an h5logger lock of a live writer, HDF5's lock held by a writer, or a file just created empty.
 */
function beingCreated(file: LogFile): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(file.path);
  } catch {
    return true; // gone again: a writer replacing it
  }
  if (st.size === 0 && Date.now() - st.mtimeMs < CREATING_MS) return true;
  const lock = inspectLock(file);
  if (lock.state !== "none" && !lockProvesDead(lock)) return true;
  return writerLockHeld(file.path) === true;
}
