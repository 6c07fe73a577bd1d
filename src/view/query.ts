/**
 * The answer to `/api/series`: M4 buckets of one series over a visible x range, exact at any
 * size. A view of up to {@link RAW_ROWS} rows (or a few blocks per bucket) reads those rows
 * in chunks; a wider one aggregates the pyramid's blocks, reading only the partial blocks at
 * its two ends. Smoothing runs over every row, from the nearest block checkpoint. A band (a
 * run's min–max across writers) is aggregated over the same rows, never smoothed.
 *
 * @module
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { PyramidSource } from "./cache.js";
import type { Column } from "./column.js";
import { type Buckets, M4 } from "./m4.js";
import type { Pyramid } from "./pyramid.js";
import { Ema } from "./smoothing.js";

/** Views of at most this many rows read rows directly: 1M float64 rows read and aggregate in ~10 ms here (~40 ms on a busy machine). */
export const RAW_ROWS = 1 << 20;
/**
 * A bucket spans at least this many blocks on the pyramid path, so snapping its edges to
 * blocks moves them by under half a bucket. Narrower views read rows: at 1,000 buckets, up to
 * 2M rows (4 blocks per bucket, as first tried, meant 4M-row reads of up to 350 ms under load).
 */
const SNAP = 2;
/** Rows read at a time on the raw path. */
const CHUNK_ROWS = 1 << 16;

/** What is asked for. */
export interface SeriesQuery {
  buckets: number;
  /** Visible x range; either end may be left open. */
  from?: number;
  to?: number;
  /** Smoothing weight, or none for raw values. */
  smooth?: number;
  /** Views of at most this many rows read rows directly (tests lower it to reach the pyramid path). @default RAW_ROWS */
  rawRows?: number;
}

/** The series to aggregate: its values, and its x column unless x is the row index. */
export interface SeriesSource {
  /** Unique in the server (the cache's key). */
  key: string;
  values: Column;
  x: Column | null;
  /** A band over the same rows: each bucket gets the smallest finite `lo` and the largest finite `hi`. */
  band?: { lo: Column; hi: Column };
}

export interface SeriesAnswer {
  rows: number;
  /** Whether x never decreases (false: range selection scans every row). */
  monotone: boolean;
  buckets: Buckets;
}

export async function querySeries(src: SeriesSource, q: SeriesQuery, cache: PyramidSource): Promise<SeriesAnswer> {
  const rows = src.x ? Math.min(src.values.length, src.x.length) : src.values.length;
  const xp = src.x && rows > 0 ? await cache.get(`${src.key}\0x`, src.x, rows) : null;
  const monotone = xp?.monotone ?? true;
  const [r0, r1] = monotone ? findRows(src, xp, rows, q) : [0, rows];
  if (r1 <= r0) return { rows, monotone, buckets: new M4(1, 0, 1).result() };
  const xAt = (row: number) => (src.x ? (src.x.read(row, row + 1)[0] as number) : row);
  const span = monotone ? null : xSpan(xp as Pyramid);
  const from = q.from ?? (span ? span[0] : xAt(r0));
  const to = q.to ?? (span ? span[1] : xAt(r1 - 1));
  const m4 = new M4(q.buckets, from, to);
  const weight = q.smooth ?? null;
  const sp = weight !== null && weight > 0 ? await cache.get(src.key, src.values, rows, weight) : null;
  const block = sp?.blockRows ?? cache.blockRows;
  const wide = monotone && r1 - r0 > (q.rawRows ?? RAW_ROWS) && (r1 - r0) / q.buckets >= SNAP * block;
  if (!wide) {
    await pushRaw(m4, src, r0, r1, sp, monotone ? null : [from, to]);
    return { rows, monotone, buckets: m4.result() };
  }
  const p = sp ?? (await cache.get(src.key, src.values, rows));
  const band = src.band
    ? ([await cache.get(`${src.key}\0lo`, src.band.lo, rows), await cache.get(`${src.key}\0hi`, src.band.hi, rows)] as const)
    : null;
  const b0 = Math.ceil(r0 / p.blockRows);
  const b1 = Math.floor(r1 / p.blockRows); // blocks b0..b1-1 are whole and inside
  await pushRaw(m4, src, r0, b0 * p.blockRows, sp, null);
  for (let b = b0; b < b1; b++) {
    const row0 = b * p.blockRows;
    const row1 = row0 + p.blockRows - 1;
    const x0 = xp ? xp.firstOf(b) : row0;
    m4.pushBlock(p.stats(b), x0, xp ? xp.lastOf(b) : row1, row0, row1);
    if (band) m4.pushBandBlock(band[0].stats(b).min, band[1].stats(b).max, x0);
  }
  await pushRaw(m4, src, Math.max(b0, b1) * p.blockRows, r1, sp, null);
  return { rows, monotone, buckets: m4.result() };
}

/** Smallest and largest finite x of every row. */
function xSpan(p: Pyramid): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < p.blocks; b++) {
    const s = p.stats(b);
    if (s.count === 0) continue;
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
  }
  return min <= max ? [min, max] : [0, 0];
}

/** Rows `r0..r1` read in chunks (smoothed from the checkpoint before `r0` when `sp` is given); `keep` filters by x. */
async function pushRaw(
  m4: M4,
  src: SeriesSource,
  r0: number,
  r1: number,
  sp: Pyramid | null,
  keep: [number, number] | null,
): Promise<void> {
  if (r1 <= r0) return;
  let ema: Ema | null = null;
  let start = r0;
  if (sp) {
    const b = Math.floor(r0 / sp.blockRows);
    ema = new Ema(sp.weight as number, sp.emaAt(b));
    start = b * sp.blockRows; // rows before r0 only advance the average
  }
  for (let s = start; s < r1; s += CHUNK_ROWS) {
    const e = Math.min(r1, s + CHUNK_ROWS);
    let values = src.values.read(s, e);
    if (ema) values = ema.apply(values, new Float64Array(values.length));
    const skip = Math.max(0, r0 - s);
    const xs = src.x ? src.x.read(s + skip, e) : null;
    const v = values.subarray(skip);
    const band = src.band ? ([src.band.lo.read(s + skip, e), src.band.hi.read(s + skip, e)] as const) : null;
    if (keep && xs) pushFiltered(m4, v, xs, s + skip, keep, band);
    else {
      m4.pushRows(v, xs, s + skip);
      if (band) m4.pushBand(band[0], band[1], xs, s + skip);
    }
    if (e < r1) await yieldToLoop();
  }
}

function pushFiltered(
  m4: M4,
  values: Float64Array,
  xs: Float64Array,
  firstRow: number,
  [from, to]: [number, number],
  band: readonly [Float64Array, Float64Array] | null,
): void {
  for (let i = 0; i < values.length; i++) {
    const x = xs[i] as number;
    if (!(x >= from && x <= to)) continue;
    const at = xs.subarray(i, i + 1);
    m4.pushRows(values.subarray(i, i + 1), at, firstRow + i);
    if (band) m4.pushBand(band[0].subarray(i, i + 1), band[1].subarray(i, i + 1), at, firstRow + i);
  }
}

/** Rows `[r0, r1)` whose x lies in [from, to] (every row when x ever decreases). */
export async function rowRange(src: SeriesSource, rows: number, q: SeriesQuery, cache: PyramidSource): Promise<[number, number]> {
  const xp = src.x && rows > 0 ? await cache.get(`${src.key}\0x`, src.x, rows) : null;
  return xp && !xp.monotone ? [0, rows] : findRows(src, xp, rows, q);
}

/** The rows whose x lies in [from, to], for x that never decreases: the pyramid narrows to a block, one read finishes. */
function findRows(src: SeriesSource, xp: Pyramid | null, rows: number, q: SeriesQuery): [number, number] {
  if (!src.x || !xp) {
    const r0 = q.from === undefined ? 0 : Math.max(0, Math.ceil(q.from));
    const r1 = q.to === undefined ? rows : Math.min(rows, Math.floor(q.to) + 1);
    return [Math.min(r0, rows), Math.max(Math.min(r0, rows), r1)];
  }
  const r0 = q.from === undefined ? 0 : firstRowWhere(src.x, xp, rows, (x) => x >= (q.from as number));
  const r1 = q.to === undefined ? rows : firstRowWhere(src.x, xp, rows, (x) => x > (q.to as number));
  return [r0, Math.max(r0, r1)];
}

/** The first row whose x satisfies `past` (a predicate that holds from some row on), or `rows`. */
function firstRowWhere(x: Column, xp: Pyramid, rows: number, past: (x: number) => boolean): number {
  // The first block whose last x satisfies it holds the row.
  let lo = 0;
  let hi = xp.blocks;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (past(xp.lastOf(mid))) hi = mid;
    else lo = mid + 1;
  }
  if (lo >= xp.blocks) return rows;
  const start = lo * xp.blockRows;
  const xs = x.read(start, Math.min(rows, start + xp.blockRows));
  for (let i = 0; i < xs.length; i++) if (past(xs[i] as number)) return start + i;
  return Math.min(rows, start + xs.length);
}
