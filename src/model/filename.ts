/**
 * File names as users type them: `.h5` added when there is no extension. Pure: no files here.
 *
 * @module
 */
import path from "node:path";
import { describe } from "./dtype.js";
import { InvalidOptionError } from "./errors.js";

/**
 * The file name to use: `.h5` appended when there is no extension. For writing, `.h5` and
 * `.hdf5` are kept and any other extension refused (a typo like `run.csv` should not silently
 * become HDF5); for reading every extension is kept (a reader takes any HDF5 file).
 */
export function withExtension(filename: unknown, use: "write" | "read"): string {
  if (typeof filename !== "string" || filename.length === 0) {
    throw new InvalidOptionError(`filename must be a non-empty string, got ${describe(filename)}`);
  }
  if (filename.includes("\0")) throw new InvalidOptionError(`filename ${JSON.stringify(filename)} contains a NUL character`);
  const ext = path.extname(filename);
  if (ext === "") return filename.endsWith("/") ? filename : `${filename}.h5`;
  if (use === "read" || ext === ".h5" || ext === ".hdf5") return filename;
  throw new InvalidOptionError(
    `filename ${JSON.stringify(filename)}: extension ${ext} is not .h5 or .hdf5; use one of those or none (then .h5 is added)`,
  );
}
