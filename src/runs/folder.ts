/**
 * Run folders: a run is a folder in which every writer (a process, a worker thread, a machine
 * on shared storage) writes its own file `<writer>.h5`, beside the run's `index.h5`; a folder
 * of runs (a "log dir") holds one run per subfolder. Located once, by absolute real path.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { describe } from "../model/dtype.js";
import { FileError, InvalidOptionError } from "../model/errors.js";
import { INDEX_FILE, WRITER_EXTENSION, writerOfFile } from "../model/writers.js";

/** A run folder, located. */
export interface RunFolder {
  /** The folder as given: what messages show. */
  readonly name: string;
  /** Its absolute real path. */
  readonly path: string;
  /** Its index of external links, `index.h5`. */
  readonly index: string;
}

/** One run of a log dir, as {@link listRuns} finds it (no file is opened). */
export interface RunSummary {
  /** The subfolder's name. */
  name: string;
  /** Its absolute path. */
  path: string;
  /** Its writers, sorted. */
  writers: string[];
  /** When a writer's file or the folder last changed, in ms since 1970: the run's last sign of life. */
  modifiedAt: number;
}

/** Check a run folder's name as given; returns it. */
export function checkFolderName(folder: unknown): string {
  if (typeof folder !== "string" || folder.length === 0) {
    throw new InvalidOptionError(`run folder must be a non-empty string, got ${describe(folder)}`);
  }
  if (folder.includes("\0")) throw new InvalidOptionError(`run folder ${JSON.stringify(folder)} contains a NUL character`);
  return folder;
}

/** Refuse a run folder that exists as something else than a folder. Creates nothing. */
export function checkFolderUsable(folder: string): void {
  const stat = fs.statSync(folder, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new FileError(folder, "is a file, not a run folder");
}

/** Locate a run folder to write in, creating it (and its parents) when missing. */
export function createRunFolder(folder: string): RunFolder {
  checkFolderUsable(folder);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new FileError(folder, `cannot create the run folder: ${(err as Error).message}`, { cause: err });
  }
  return located(folder);
}

/** Locate an existing run folder. @throws FileError when it does not exist or is not a folder */
export function locateRun(folder: string): RunFolder {
  const stat = fs.statSync(folder, { throwIfNoEntry: false });
  if (!stat) throw new FileError(folder, "no such run folder");
  if (!stat.isDirectory()) throw new FileError(folder, "is a file, not a run folder");
  return located(folder);
}

function located(folder: string): RunFolder {
  const real = fs.realpathSync(folder);
  return { name: folder, path: real, index: path.join(real, INDEX_FILE) };
}

/** The file of a writer of the run. */
export function writerPath(run: RunFolder, writer: string): string {
  return path.join(run.path, `${writer}${WRITER_EXTENSION}`);
}

/** The file of a writer, as messages show it: under the folder as given. */
export function writerName(run: RunFolder, writer: string): string {
  return path.join(run.name, `${writer}${WRITER_EXTENSION}`);
}

/** The writers of a run folder, sorted: every `<writer>.h5` but the index and hidden files. */
export function listWriters(folder: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new FileError(folder, `cannot list the run folder: ${(err as Error).message}`, { cause: err });
  }
  const writers: string[] = [];
  for (const name of names) {
    const writer = writerOfFile(name);
    if (writer !== null) writers.push(writer);
  }
  return writers.sort(byName);
}

/** Whether a folder is a run rather than a folder of runs: it holds a writer's file or an index, or no subfolder. */
export function isRunFolder(folder: string): boolean {
  const entries = fs.readdirSync(folder, { withFileTypes: true });
  if (entries.some((e) => e.name === INDEX_FILE || writerOfFile(e.name) !== null)) return true;
  return !entries.some((e) => e.isDirectory() && !e.name.startsWith("."));
}

/** The runs of a log dir: each subfolder (hidden ones left out), by name. Only lists folders. */
export function listRuns(logdir: string): RunSummary[] {
  const stat = fs.statSync(logdir, { throwIfNoEntry: false });
  if (!stat) throw new FileError(logdir, "no such folder");
  if (!stat.isDirectory()) throw new FileError(logdir, "is a file, not a folder of runs");
  const runs: RunSummary[] = [];
  for (const entry of fs.readdirSync(logdir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const folder = path.resolve(logdir, entry.name);
    const writers = listWriters(folder);
    let modifiedAt = fs.statSync(folder).mtimeMs;
    for (const writer of writers) {
      const mtime = fs.statSync(path.join(folder, `${writer}${WRITER_EXTENSION}`), { throwIfNoEntry: false })?.mtimeMs ?? 0;
      modifiedAt = Math.max(modifiedAt, mtime);
    }
    runs.push({ name: entry.name, path: folder, writers, modifiedAt });
  }
  return runs.sort((a, b) => byName(a.name, b.name));
}

/** Code-point order, the same on every machine (not the locale's). */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
