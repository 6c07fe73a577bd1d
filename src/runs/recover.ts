/**
 * Recovering a run: each writer's file on its own (recovery/recover.ts), writers still writing
 * left alone, then the run's index brought up to date with the files in the folder.
 *
 * @module
 */
import { LockedError } from "../model/errors.js";
import { type RecoveryReport, recover } from "../recovery/recover.js";
import { listWriters, locateRun, writerName } from "./folder.js";
import { indexIsCurrent, readIndex, withIndexLock, writeIndex } from "./index-file.js";

/** What recovering one writer's file did. */
export type WriterRecovery =
  /** Recovered, or found closed properly: the report says which. */
  | { writer: string; report: RecoveryReport }
  /** Left alone: its writer still writes it (the reason names the holder). */
  | { writer: string; skipped: string }
  /** Could not be recovered: why. */
  | { writer: string; error: string };

/** What `H5Logger.recoverRun()` did. */
export interface RunRecoveryReport {
  /** The run folder, as given. */
  run: string;
  /** Each writer's file, in name order. */
  writers: WriterRecovery[];
  /** Whether index.h5 was rewritten to link every writer's file (it was missing some, or missing). */
  indexRewritten: boolean;
}

/**
 * Recover every writer of the run whose writer crashed (as `H5Logger.recover` does for one
 * file), leave files still being written alone, and make the index link every writer's file.
 * A file that cannot be recovered is reported, and the others are still recovered.
 */
export function recoverRun(folder: string): RunRecoveryReport {
  const run = locateRun(folder);
  const writers: WriterRecovery[] = listWriters(run.path).map((writer) => {
    try {
      return { writer, report: recover(writerName(run, writer)) };
    } catch (err) {
      if (err instanceof LockedError) return { writer, skipped: err.message };
      return { writer, error: (err as Error).message };
    }
  });
  const indexRewritten = withIndexLock(run, () => {
    const current = readIndex(run);
    if (indexIsCurrent(current, listWriters(run.path), current.attrs)) return false;
    writeIndex(run, current.attrs);
    return true;
  });
  return { run: run.name, writers, indexRewritten };
}
