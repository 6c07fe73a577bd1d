/**
 * How the commands open a file: read-only, through the public reader, following a file that
 * is being written through snapshots when its writer has no concurrent readers on.
 *
 * @module
 */
import { type DatasetView, H5Reader } from "../reader.js";

/** Open `file` for reading, waiting up to `timeout` ms for it to exist and become readable. */
export function openForReading(file: string, timeout = 0): Promise<H5Reader> {
  return H5Reader.open(file, { timeout, snapshot: true });
}

/** Names ending so belong to the dataset before the suffix (see FORMAT.md). */
const COMPANION = /\.(step|time)$/;

/** Whether `name` is the step or time companion of another dataset in the file. */
export function isCompanion(reader: H5Reader, name: string): boolean {
  return COMPANION.test(name) && reader.has(name.replace(COMPANION, ""));
}

/** The datasets named, or every dataset but companions when none is named. */
export function selectSeries(reader: H5Reader, names: string[]): DatasetView[] {
  if (names.length === 0) return reader.keys().filter((n) => !isCompanion(reader, n)).map((n) => reader.get(n));
  return names.map((name) => reader.get(name));
}

/** Whether a dataset is a series of numbers (one number per row) that statistics apply to. */
export function isNumericSeries(view: DatasetView): boolean {
  return view.shape.length === 1 && view.dtype !== null && view.dtype !== "string" && view.dtype !== "bool";
}

/** Whether h5logger can read the dataset's values (every numeric type, booleans and strings). */
export function isReadable(view: DatasetView): boolean {
  return view.dtype !== null || view.storedType.startsWith("|S");
}
