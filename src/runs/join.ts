/**
 * Joining a run: a writer opens its own file `<writer>.h5` in the run folder and links it from
 * the run's index. This is the only moment writers of a run take turns (for the index, see
 * index-file.ts); once logging, each writes its own file and never waits for another.
 *
 * @module
 */
import os from "node:os";
import { threadId } from "node:worker_threads";
import { type AttributeInput, encodeAttributes } from "../model/attributes.js";
import { describe } from "../model/dtype.js";
import { InvalidOptionError, LockedError } from "../model/errors.js";
import { type H5LoggerOptions, resolveOptions } from "../model/options.js";
import { checkWriterName, defaultWriterName } from "../model/writers.js";
import { checkFolderName, checkFolderUsable, createRunFolder, listWriters, writerName } from "./folder.js";
import { indexIsCurrent, mergeAttrs, readIndex, withIndexLock, writeIndex } from "./index-file.js";

/** Options of `H5Logger.inRun()`: a logger's options, and who this writer is in the run. */
export interface RunWriterOptions extends H5LoggerOptions {
  /**
   * This writer's name in the run: it writes `FOLDER/<writer>.h5`. A name that a live writer
   * holds is refused with a `LockedError`; one whose writer closed (or died) is appended to.
   * @default `<host>-<pid>` in the main thread, `<host>-<pid>-t<threadId>` in a worker thread
   */
  writer?: string;
  /**
   * Attributes of the run (its configuration), stored in the run's `index.h5` and read by
   * every reader (`run.attrs`; in h5py `index.attrs`). Given once: a writer may add ones not
   * set yet or give the same values again; a different value for one already set is an error.
   */
  runAttrs?: Record<string, AttributeInput>;
}

/**
 * Open a logger for `folder/<writer>.h5` with `open`, after checking everything (nothing is
 * created for bad input), and link it from the run's index.
 */
export function joinRun<L extends { close(): void }>(
  folder: string,
  options: RunWriterOptions | undefined,
  open: (file: string, options: H5LoggerOptions) => L,
): L {
  const name = checkFolderName(folder);
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new InvalidOptionError(`options must be an object, got ${describe(options)}`);
  }
  const { writer: given, runAttrs, ...rest } = options ?? {};
  const writer = given === undefined ? defaultWriterName(os.hostname(), process.pid, threadId) : checkWriterName(given);
  if (runAttrs !== undefined) {
    if (typeof runAttrs !== "object" || runAttrs === null || Array.isArray(runAttrs)) {
      throw new InvalidOptionError(`runAttrs must be an object of attributes, got ${describe(runAttrs)}`);
    }
    encodeAttributes("/", runAttrs);
  }
  resolveOptions(rest);
  checkFolderUsable(name);
  const run = createRunFolder(name);
  return withIndexLock(run, () => {
    const current = readIndex(run);
    const attrs = runAttrs === undefined ? current.attrs : mergeAttrs(run, current.attrs, runAttrs);
    const file = writerName(run, writer);
    let logger: L;
    try {
      logger = open(file, rest);
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
      const problem = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
      throw new LockedError(err.path, `the writer name ${JSON.stringify(writer)} is taken in run ${name}: ${problem}`);
    }
    try {
      if (!indexIsCurrent(current, listWriters(run.path), attrs)) writeIndex(run, attrs);
    } catch (err) {
      logger.close();
      throw err;
    }
    return logger;
  });
}
