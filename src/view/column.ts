/**
 * A series as numbers: whatever its dtype (float32, int64, bool...), rows come back as a
 * Float64Array, the one form that aggregation and charts use. int64 values beyond 2^53 lose
 * their last digits here, which a chart cannot show anyway; CSV export keeps them exact.
 *
 * @module
 */
import type { DatasetView } from "../index.js";

/** Rows of one numeric series, read on demand. */
export interface Column {
  readonly name: string;
  readonly length: number;
  /** Rows `start..end` as numbers. */
  read(start: number, end: number): Float64Array;
}

/** Whether a dataset is a series of numbers or booleans, one per row: what charts draw. */
export function isScalarSeries(view: DatasetView): boolean {
  return view.shape.length === 1 && view.dtype !== null && view.dtype !== "string";
}

/** The numeric column of a series of scalars (see {@link isScalarSeries}). */
export function columnOf(view: DatasetView): Column {
  return {
    name: view.name,
    length: view.length,
    read(start, end) {
      return toFloat64(view.slice(start, end));
    },
  };
}

/** Rows as `DatasetView.slice` returns them for a series of scalars, as numbers. */
export function toFloat64(rows: unknown): Float64Array {
  if (rows instanceof Float64Array) return rows;
  if (rows instanceof BigInt64Array || rows instanceof BigUint64Array) return int64ToFloat64(rows);
  if (Array.isArray(rows)) return Float64Array.from(rows as unknown[], (v) => (v === true ? 1 : v === false ? 0 : Number(v)));
  return Float64Array.from(rows as ArrayLike<number>);
}

/** Which 32-bit half of an int64 comes first in memory. */
const LOW_FIRST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * int64 rows as numbers, from their two 32-bit halves: `high · 2³² + low` is one rounding of
 * exact terms, so it equals `Number(bigint)`, about 10x faster (no BigInt per row: steps are int64).
 */
function int64ToFloat64(rows: BigInt64Array | BigUint64Array): Float64Array {
  const words = rows.length * 2;
  const low = new Uint32Array(rows.buffer, rows.byteOffset, words);
  const high = rows instanceof BigInt64Array ? new Int32Array(rows.buffer, rows.byteOffset, words) : low;
  const out = new Float64Array(rows.length);
  const lo = LOW_FIRST ? 0 : 1;
  const hi = 1 - lo;
  for (let i = 0; i < rows.length; i++) out[i] = (high[2 * i + hi] as number) * 4294967296 + (low[2 * i + lo] as number);
  return out;
}
