/**
 * The public {@link H5Logger}: write/logger.ts's logger, with the statics of runs added here,
 * in the room above write/ and read/. A subclass rather than statics filled in at import time:
 * write/ keeps no mutable slots for a room it cannot see, the types flow one way, and
 * `H5Logger.inRun(...)` returns an instance of the class users import.
 *
 * @module
 */
import { H5Logger as Logger } from "../write/logger.js";
import { joinRun, type RunWriterOptions } from "./join.js";
import { type RunRecoveryReport, recoverRun } from "./recover.js";
import { H5Run, type RunOpenOptions } from "./run.js";

/**
 * Streams named values into an HDF5 file, one growing dataset per name; several writers (processes,
 * worker threads, machines on shared storage) write one run, each its own file in the run's folder.
 *
 * @example
 * const logger = new H5Logger("run.h5", { replaceIfExists: true });
 * for (let step = 0; step < 100; step++) logger.log("loss", Math.exp(-step / 10));
 * logger.close();
 *
 * @example
 * // in each worker: its own file runs/exp1/w3.h5, linked from runs/exp1/index.h5
 * const logger = H5Logger.inRun("runs/exp1", { writer: `w${rank}`, steps: true, runAttrs: { lr: 0.1 } });
 */
export class H5Logger extends Logger {
  /**
   * A logger writing `folder/<writer>.h5`, one writer of the run in `folder` (created if
   * needed), linked from the run's `index.h5`. `writer` defaults to a name unique to this
   * process and thread; a name a live writer holds is refused with a `LockedError` naming it.
   * The other options are {@link H5Logger}'s; `runAttrs` are the run's (see {@link RunWriterOptions}).
   * Bad input (a writer name with `/`, `..`, empty...) throws and creates nothing.
   */
  static inRun(folder: string, options?: RunWriterOptions): H5Logger {
    return joinRun(folder, options, (file, opts) => new this(file, opts));
  }

  /**
   * Open a run folder for reading: its writers, series, the aggregate of a series across
   * writers and a `follow()` of them all. Waits up to `timeout` for the folder to exist.
   */
  static openRun(folder: string, options?: RunOpenOptions): Promise<H5Run> {
    return H5Run.open(folder, options);
  }

  /**
   * Recover every writer of a run whose writer crashed, leave writers still writing alone, and
   * bring the run's index up to date. The command line does the same: `npx h5logger recover FOLDER`.
   */
  static recoverRun(folder: string): RunRecoveryReport {
    return recoverRun(folder);
  }
}
