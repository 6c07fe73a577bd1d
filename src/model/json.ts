/**
 * Values as JSON can hold them, for the command line's `--json` and the viewer's answers.
 * Pure.
 *
 * @module
 */

/** A value as JSON can hold it: bigints beyond 2^53 and non-finite floats as strings, typed arrays as arrays. */
export function jsonable(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, jsonable);
  if (Array.isArray(value)) return value.map(jsonable);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  return value;
}
