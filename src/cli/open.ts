/**
 * How the commands open a file: read-only, through the public reader, following a file that
 * is being written through snapshots when its writer has no concurrent readers on.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { type DatasetView, H5Reader, type OpenOptions } from "../index.js";

/** How long a one-shot command waits for a consistent snapshot of a file being written. */
const SNAPSHOT_WAIT_MS = 10_000;

/**
 * Open `file` for reading. Without `timeout` (the `--timeout` option), a file that does not
 * exist fails at once, and one being written is read as soon as a consistent snapshot of it
 * can be taken (its writer between flushes), within a few seconds. With `timeout`, the command
 * also waits that long for the file to appear.
 */
export function openForReading(
  file: string,
  options: Omit<OpenOptions, "snapshot" | "timeout"> & { timeout?: number | undefined } = {},
): Promise<H5Reader> {
  const { timeout, ...rest } = options;
  return H5Reader.open(file, {
    retryEvery: 20,
    ...rest,
    timeout: timeout ?? SNAPSHOT_WAIT_MS,
    waitForFile: timeout !== undefined,
    snapshot: true,
  });
}

/** Whether `file` is there (as named, or with `.h5` added to a name without an extension, as readers take it). */
export function exists(file: string): boolean {
  return fs.existsSync(file) || (path.extname(file) === "" && fs.existsSync(`${file}.h5`));
}

/** Names ending so belong to the dataset before the suffix (see FORMAT.md). */
const COMPANION = /\.(step|time)$/;

/** Whether `name` is the step or time companion of another dataset in the file. */
export function isCompanion(reader: H5Reader, name: string): boolean {
  return COMPANION.test(name) && reader.has(name.replace(COMPANION, ""));
}

/**
 * The datasets named, or when none is: every series (rank 1 or more) but companions, leaving
 * out those whose type h5logger cannot read (a compound table, say) with a note to `stderr`.
 */
export function selectSeries(reader: H5Reader, names: string[], stderr?: Writable): DatasetView[] {
  if (names.length > 0) return names.map((name) => reader.get(name));
  const all = reader
    .keys()
    .filter((n) => !isCompanion(reader, n))
    .map((n) => reader.get(n))
    .filter((v) => v.shape.length > 0);
  const skipped = all.filter((v) => !isReadable(v));
  if (skipped.length > 0)
    stderr?.write(`h5logger: left out (a type h5logger does not read): ${skipped.map((v) => `${v.name} (${v.storedType})`).join(", ")}\n`);
  return all.filter(isReadable);
}

/** Whether a dataset is a series of numbers (one number per row) that statistics apply to. */
export function isNumericSeries(view: DatasetView): boolean {
  return view.shape.length === 1 && view.dtype !== null && view.dtype !== "string" && view.dtype !== "bool";
}

/** Whether h5logger can read the dataset's values (every numeric type, booleans and strings). */
export function isReadable(view: DatasetView): boolean {
  return view.dtype !== null || view.storedType.startsWith("|S");
}
