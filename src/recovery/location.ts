/**
 * Where a log file is: a name as the user typed it, resolved once where it enters h5logger
 * (writer, reader, recover, command line) into the one path everything inside is keyed on.
 *
 * The path is absolute and real: symlinks are resolved, also a link to a file that does not
 * exist yet (the file is created where the link points), so that every name of a file finds
 * the same lock and journal beside it. Resolved once, it does not move when the program
 * changes its working directory.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { FileError, InvalidOptionError } from "../model/errors.js";
import { withExtension } from "../model/filename.js";

/** A log file, located. */
export interface LogFile {
  /** The name as given, with `.h5` added when it had no extension: what messages show. */
  readonly name: string;
  /** The absolute real path: the key of the lock, the journal and every open. */
  readonly path: string;
  /** The writer's lock, beside the real file. */
  readonly lock: string;
  /** The writer's rollback journal, beside the real file. */
  readonly journal: string;
}

/** Most bytes of one file name on Linux and macOS (NAME_MAX). */
const NAME_MAX = 255;
/** The longest suffix of a file kept beside a log file (`.journal`, `.lock.takeover`). */
const LONGEST_SUFFIX = ".lock.takeover";
/** Most symlinks followed, as the kernel's limit (ELOOP beyond). */
const MAX_LINKS = 40;

/**
 * Locate a file to write: `.h5` added when the name has no extension, other extensions than
 * `.h5`/`.hdf5` refused (a typo like `run.csv` should not silently become HDF5), missing
 * folders created.
 */
export function locateForWriting(filename: unknown): LogFile {
  const name = withExtension(filename, "write");
  const real = realTarget(name, true);
  return located(name, real);
}

/**
 * Locate a file to read: any name whose bytes are HDF5 (`run.nc`, `data.he5`). A name without
 * an extension that does not exist is read as NAME.h5, the file a writer would create.
 */
export function locateForReading(filename: unknown): LogFile {
  const given = withExtension(filename, "read");
  const name = given === filename || exists(String(filename)) ? String(filename) : given;
  return located(name, realTarget(name, false));
}

function located(name: string, real: string): LogFile {
  if (Buffer.byteLength(path.basename(real)) + LONGEST_SUFFIX.length > NAME_MAX) {
    throw new InvalidOptionError(
      `filename ${JSON.stringify(name)}: too long; h5logger keeps files named ${path.basename(name)}.lock and .journal beside it, which would pass the file system's limit of ${NAME_MAX} bytes per name`,
    );
  }
  return { name, path: real, lock: `${real}.lock`, journal: `${real}.journal` };
}

function exists(file: string): boolean {
  return fs.existsSync(file);
}

/**
 * The absolute real path of `file`, following symlinks one by one so that a link to a file not
 * created yet resolves to where that file will be.
 */
function realTarget(file: string, forWriting: boolean): string {
  if (file.endsWith("/") || file.endsWith(path.sep)) {
    throw new InvalidOptionError(`filename ${JSON.stringify(file)} ends with a '/': it names a folder, not a file`);
  }
  let current = path.resolve(file);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        throw new FileError(file, `cannot be looked up: ${(err as Error).message}`, { cause: err });
      return path.join(realFolder(file, path.dirname(current), forWriting), path.basename(current));
    }
    if (stat.isSymbolicLink()) {
      current = path.resolve(path.dirname(current), fs.readlinkSync(current));
      continue;
    }
    if (stat.isDirectory()) throw new FileError(file, "is a folder, not a file");
    return fs.realpathSync(current);
  }
  throw new FileError(file, `is a chain of more than ${MAX_LINKS} symbolic links`);
}

/** The real path of a file's folder; a writer creates it when it is missing. */
function realFolder(file: string, folder: string, forWriting: boolean): string {
  try {
    return fs.realpathSync(folder);
  } catch (err) {
    if (!forWriting || (err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new FileError(file, `its folder ${folder} does not exist`, { cause: err });
    }
  }
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new FileError(file, `cannot create its folder ${folder}: ${(err as Error).message}`, { cause: err });
  }
  return fs.realpathSync(folder);
}
