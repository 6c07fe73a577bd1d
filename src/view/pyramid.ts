/**
 * Per-block statistics of a series (min, max, first, last and counts of each block of
 * {@link BLOCK_ROWS} rows), built in one streaming pass and extended as the series grows, so
 * that a zoomed-out view of 100 million rows aggregates 100,000 blocks instead of reading the
 * rows again. One level is enough: scanning every block of a 100M-row series takes about a
 * millisecond, and the fine views read rows directly (see query.ts).
 *
 * A pyramid of smoothed values also keeps the smoothing state at the start of each block, so
 * that a zoomed-in smoothed view starts there instead of at row 0.
 *
 * @module
 */
import type { Stats } from "./m4.js";
import { Ema, type EmaState } from "./smoothing.js";

/** Rows per block: 100M float64 rows make ~98,000 blocks, ~8 MB of statistics. */
export const BLOCK_ROWS = 1024;

const grow = <T extends Float64Array | Uint32Array>(a: T, size: number): T => {
  if (a.length >= size) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2, 64));
  b.set(a);
  return b;
};

export class Pyramid {
  readonly blockRows: number;
  /** The smoothing weight of the values fed in, or null for raw values. */
  readonly weight: number | null;
  #min = new Float64Array(0);
  #max = new Float64Array(0);
  #first = new Float64Array(0);
  #last = new Float64Array(0);
  #count = new Uint32Array(0);
  #nan = new Uint32Array(0);
  #posInf = new Uint32Array(0);
  #negInf = new Uint32Array(0);
  #emaLast = new Float64Array(0);
  #emaN = new Float64Array(0);
  /** Rows aggregated so far; the last block may be partial. */
  #rows = 0;
  #ema: Ema | null;
  /** Whether every value so far was at least the one before (x columns are searched then). */
  #monotone = true;
  #previous = Number.NEGATIVE_INFINITY;

  constructor(weight: number | null = null, blockRows = BLOCK_ROWS) {
    this.blockRows = blockRows;
    this.weight = weight;
    this.#ema = weight === null ? null : new Ema(weight);
  }

  get rows(): number {
    return this.#rows;
  }

  get blocks(): number {
    return Math.ceil(this.#rows / this.blockRows);
  }

  get monotone(): boolean {
    return this.#monotone;
  }

  /** Bytes held, for the cache's budget. */
  get bytes(): number {
    return this.#min.byteLength * 4 + this.#count.byteLength * 4 + this.#emaLast.byteLength * 2;
  }

  /**
   * The row to feed from next: the start of the last, partial block (it is recomputed with the
   * rows that complete it), or the end. Call before {@link feed} after the series grew.
   */
  resume(): number {
    return this.rewind(this.#rows);
  }

  /**
   * Forget the rows from the start of the block holding `row` on, so that they can be fed
   * again (a run's merged series changes from a row on when a writer's rows join there);
   * returns the row to feed from.
   */
  rewind(row: number): number {
    const full = Math.floor(Math.min(row, this.#rows) / this.blockRows);
    if (full * this.blockRows === this.#rows) return this.#rows;
    this.#rows = full * this.blockRows;
    if (this.#ema) this.#ema = new Ema(this.#ema.weight, { last: this.#emaLast[full] as number, n: this.#emaN[full] as number });
    // Monotonicity is kept as it was: rows of the partial block were already checked once.
    this.#previous = full > 0 ? (this.#last[full - 1] as number) : Number.NEGATIVE_INFINITY;
    return this.#rows;
  }

  /** The next rows of the series, in order, starting at {@link rows}. */
  feed(values: ArrayLike<number>): void {
    let i = 0;
    while (i < values.length) {
      const block = Math.floor(this.#rows / this.blockRows);
      const inBlock = this.#rows - block * this.blockRows;
      const take = Math.min(values.length - i, this.blockRows - inBlock);
      this.#reserve(block + 1);
      if (inBlock === 0) this.#open(block);
      let segment: ArrayLike<number> = (values as Float64Array).subarray
        ? (values as Float64Array).subarray(i, i + take)
        : Array.prototype.slice.call(values, i, i + take);
      if (this.#ema) segment = this.#ema.apply(segment);
      this.#add(block, segment);
      this.#rows += take;
      i += take;
    }
  }

  #reserve(blocks: number): void {
    this.#min = grow(this.#min, blocks);
    this.#max = grow(this.#max, blocks);
    this.#first = grow(this.#first, blocks);
    this.#last = grow(this.#last, blocks);
    this.#count = grow(this.#count, blocks);
    this.#nan = grow(this.#nan, blocks);
    this.#posInf = grow(this.#posInf, blocks);
    this.#negInf = grow(this.#negInf, blocks);
    if (this.#ema) {
      this.#emaLast = grow(this.#emaLast, blocks);
      this.#emaN = grow(this.#emaN, blocks);
    }
  }

  #open(b: number): void {
    this.#min[b] = Number.POSITIVE_INFINITY;
    this.#max[b] = Number.NEGATIVE_INFINITY;
    this.#first[b] = Number.NaN;
    this.#last[b] = Number.NaN;
    this.#count[b] = 0;
    this.#nan[b] = 0;
    this.#posInf[b] = 0;
    this.#negInf[b] = 0;
    if (this.#ema) {
      this.#emaLast[b] = this.#ema.last;
      this.#emaN[b] = this.#ema.n;
    }
  }

  #add(b: number, values: ArrayLike<number>): void {
    // Locals, written back once: per-value writes to the columns cost ~2x here.
    let min = this.#min[b] as number;
    let max = this.#max[b] as number;
    let first = this.#first[b] as number;
    let last = this.#last[b] as number;
    let count = this.#count[b] as number;
    let nan = 0;
    let posInf = 0;
    let negInf = 0;
    let previous = this.#previous;
    let monotone = this.#monotone;
    for (let i = 0; i < values.length; i++) {
      const y = values[i] as number;
      if (!(y >= previous)) monotone = false;
      previous = y;
      if (Number.isFinite(y)) {
        if (y < min) min = y;
        if (y > max) max = y;
        if (count === 0) first = y;
        last = y;
        count++;
      } else if (Number.isNaN(y)) nan++;
      else if (y > 0) posInf++;
      else negInf++;
    }
    this.#min[b] = min;
    this.#max[b] = max;
    this.#first[b] = first;
    this.#last[b] = last;
    this.#count[b] = count;
    this.#nan[b] = (this.#nan[b] as number) + nan;
    this.#posInf[b] = (this.#posInf[b] as number) + posInf;
    this.#negInf[b] = (this.#negInf[b] as number) + negInf;
    this.#previous = previous;
    this.#monotone = monotone;
  }

  /** Statistics of block `b`. */
  stats(b: number): Stats {
    return {
      min: this.#min[b] as number,
      max: this.#max[b] as number,
      first: this.#first[b] as number,
      last: this.#last[b] as number,
      count: this.#count[b] as number,
      nan: this.#nan[b] as number,
      posInf: this.#posInf[b] as number,
      negInf: this.#negInf[b] as number,
    };
  }

  /** First and last finite value of block `b` (NaN when it has none): an x column's range. */
  firstOf(b: number): number {
    return this.#first[b] as number;
  }

  lastOf(b: number): number {
    return this.#last[b] as number;
  }

  /** The smoothing state before the first row of block `b`. */
  emaAt(b: number): EmaState {
    if (!this.#ema) throw new Error("not a smoothed pyramid");
    return { last: this.#emaLast[b] as number, n: this.#emaN[b] as number };
  }

  /** The smoothing state after every row fed. */
  get emaEnd(): EmaState | null {
    return this.#ema?.state ?? null;
  }
}
