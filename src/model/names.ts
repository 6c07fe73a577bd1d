/**
 * Dataset names: `train/loss` style paths, checked once when a name is first logged.
 * Pure: no HDF5 here.
 *
 * @module
 */
import { describe } from "./dtype.js";
import { InvalidNameError } from "./errors.js";

/** Suffixes of the step and time companion datasets (see FORMAT.md); users cannot take them. */
export const STEP_SUFFIX = ".step";
export const TIME_SUFFIX = ".time";

/**
 * Check a dataset name and return it in canonical form: segments joined by `/`, no leading
 * slash (a leading `/` is accepted and dropped, as h5py accepts absolute paths).
 */
export function canonicalName(name: unknown): string {
  if (typeof name !== "string") throw new InvalidNameError(String(name), `must be a string, got ${describe(name)}`);
  const bare = name.startsWith("/") ? name.slice(1) : name;
  if (bare.length === 0) throw new InvalidNameError(name, "is empty");
  if (bare.includes("\0")) throw new InvalidNameError(name, "contains a NUL character, which HDF5 names cannot hold");
  // A lone surrogate has no UTF-8 form: HDF5 would store bytes that h5py cannot decode.
  if (/\p{Cs}/u.test(bare)) throw new InvalidNameError(name, "is not valid Unicode (it holds a lone surrogate half); use whole characters");
  const segments = bare.split("/");
  for (const segment of segments) {
    if (segment === "") throw new InvalidNameError(name, "has an empty segment (a doubled or trailing '/')");
    if (segment === "." || segment === "..") throw new InvalidNameError(name, `has a '${segment}' segment; names are plain paths`);
  }
  const last = segments.at(-1) as string;
  if (last.endsWith(STEP_SUFFIX) || last.endsWith(TIME_SUFFIX)) {
    throw new InvalidNameError(
      name,
      `ends in '${STEP_SUFFIX}' or '${TIME_SUFFIX}', which are reserved for step and time companion datasets`,
    );
  }
  return bare;
}

/** The HDF5 path of a canonical name. */
export function hdf5Path(name: string): string {
  return `/${name}`;
}
