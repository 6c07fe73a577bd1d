/**
 * M4 aggregation: for each pixel column (bucket) of a visible x range, the min, max, first and
 * last value and the number of finite values, so that a chart drawn from a few thousand
 * numbers shows every spike of millions of rows. Non-finite values are counted apart (NaN,
 * +Inf, −Inf) and never enter min/max/first/last.
 *
 * Rows are pushed in row order, either one by one from chunks ({@link M4.pushRows}) or as
 * pre-aggregated blocks ({@link M4.pushBlock}, see pyramid.ts); a block goes whole into the
 * bucket of its first row, so bucket edges then snap to block edges. Every bucket reports the
 * x of the first and last row it holds: its figures are exact for the rows it claims.
 *
 * A band (a run's min–max across writers) rides along: per bucket, the smallest of one
 * column's finite values and the largest of another's, over the same rows ({@link M4.pushBand}).
 *
 * @module
 */

/** Statistics of some rows: what a bucket and a pyramid block hold. */
export interface Stats {
  min: number;
  max: number;
  first: number;
  last: number;
  /** Finite values. */
  count: number;
  nan: number;
  posInf: number;
  negInf: number;
}

/** The buckets as the API sends them: columns of equal length, empty buckets left out. */
export interface Buckets {
  x0: number[];
  x1: number[];
  /** First and last row index of each bucket (not sent by the API; used by tests and CSV). */
  row0: number[];
  row1: number[];
  min: (number | null)[];
  max: (number | null)[];
  first: (number | null)[];
  last: (number | null)[];
  count: number[];
  nan: number[];
  posInf: number[];
  negInf: number[];
  /** With a band: the smallest finite `lo` and the largest finite `hi` of the bucket's rows (null: none). */
  lo?: (number | null)[];
  hi?: (number | null)[];
}

/** Accumulates rows into `buckets` evenly spaced buckets over x in [from, to]. */
export class M4 {
  readonly #n: number;
  readonly #from: number;
  readonly #span: number;
  readonly #x0: Float64Array;
  readonly #x1: Float64Array;
  readonly #row0: Float64Array;
  readonly #row1: Float64Array;
  readonly #min: Float64Array;
  readonly #max: Float64Array;
  readonly #first: Float64Array;
  readonly #last: Float64Array;
  readonly #count: Float64Array;
  readonly #nan: Float64Array;
  readonly #posInf: Float64Array;
  readonly #negInf: Float64Array;
  /** Rows per bucket (any value, finite or not): 0 marks an empty bucket. */
  readonly #rows: Float64Array;
  /** The band, once one is pushed. */
  #lo: Float64Array | null = null;
  #hi: Float64Array | null = null;

  constructor(buckets: number, from: number, to: number) {
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
    this.#n = buckets;
    this.#from = from;
    this.#span = to - from;
    const col = () => new Float64Array(buckets);
    this.#x0 = col();
    this.#x1 = col();
    this.#row0 = col();
    this.#row1 = col();
    this.#min = col().fill(Number.POSITIVE_INFINITY);
    this.#max = col().fill(Number.NEGATIVE_INFINITY);
    this.#first = col().fill(Number.NaN);
    this.#last = col().fill(Number.NaN);
    this.#count = col();
    this.#nan = col();
    this.#posInf = col();
    this.#negInf = col();
    this.#rows = col();
  }

  /** The bucket of an x value: `to` itself falls in the last bucket. */
  bucketOf(x: number): number {
    // Divided rather than multiplied by a precomputed n/span: that overflows for tiny spans.
    const b = Math.floor(((x - this.#from) / this.#span) * this.#n);
    if (!(b >= 0)) return 0; // NaN (an empty span) or before `from`
    return b >= this.#n ? this.#n - 1 : b;
  }

  #claim(b: number, x0: number, x1: number, row0: number, row1: number, rows: number): void {
    if (this.#rows[b] === 0) {
      this.#x0[b] = x0;
      this.#row0[b] = row0;
    }
    this.#x1[b] = x1;
    this.#row1[b] = row1;
    this.#rows[b] = (this.#rows[b] as number) + rows;
  }

  /**
   * Rows `firstRow`, `firstRow + 1`, ... with their values and x (null: x is the row index).
   * The caller passes only rows whose x lies in [from, to].
   */
  pushRows(values: ArrayLike<number>, xs: ArrayLike<number> | null, firstRow: number): void {
    // Consecutive rows of one bucket are gathered in locals and merged once when the bucket
    // changes: per-row writes to the columns made the raw path ~3x slower.
    let b = -1;
    let x0 = 0;
    let x1 = 0;
    let row0 = 0;
    let min = 0;
    let max = 0;
    let first = 0;
    let last = 0;
    let count = 0;
    let nan = 0;
    let posInf = 0;
    let negInf = 0;
    const from = this.#from;
    const span = this.#span;
    const n = this.#n;
    for (let i = 0; i < values.length; i++) {
      const x = xs === null ? firstRow + i : (xs[i] as number);
      // bucketOf, inlined (a call per row costs more than the work).
      let here = Math.floor(((x - from) / span) * n);
      if (!(here >= 0)) here = 0;
      else if (here >= n) here = n - 1;
      if (here !== b) {
        // No closure for this: locals captured by one are slower to update.
        if (b >= 0) this.#merge(b, { min, max, first, last, count, nan, posInf, negInf }, x0, x1, row0, firstRow + i - 1);
        b = here;
        x0 = x;
        row0 = firstRow + i;
        min = Number.POSITIVE_INFINITY;
        max = Number.NEGATIVE_INFINITY;
        count = nan = posInf = negInf = 0;
      }
      x1 = x;
      const y = values[i] as number;
      if (y - y === 0) {
        // finite (NaN - NaN and Inf - Inf are NaN)
        if (y < min) min = y;
        if (y > max) max = y;
        if (count === 0) first = y;
        last = y;
        count++;
      } else if (Number.isNaN(y)) nan++;
      else if (y > 0) posInf++;
      else negInf++;
    }
    if (b >= 0) this.#merge(b, { min, max, first, last, count, nan, posInf, negInf }, x0, x1, row0, firstRow + values.length - 1);
  }

  /** A pre-aggregated block of rows `row0..row1` whose x runs from `x0` to `x1`: all of it goes into the bucket of `x0`. */
  pushBlock(s: Stats, x0: number, x1: number, row0: number, row1: number): void {
    this.#merge(this.bucketOf(x0), s, x0, x1, row0, row1);
  }

  /**
   * The band of rows pushed (or to be pushed) with {@link pushRows}: `lo[i]` and `hi[i]` belong
   * to the row at x `xs[i]` (null: x is the row index from `firstRow`). Non-finite values are left out.
   */
  pushBand(lo: ArrayLike<number>, hi: ArrayLike<number>, xs: ArrayLike<number> | null, firstRow: number): void {
    const [bandLo, bandHi] = this.#band();
    for (let i = 0; i < lo.length; i++) {
      const b = this.bucketOf(xs === null ? firstRow + i : (xs[i] as number));
      const l = lo[i] as number;
      const h = hi[i] as number;
      if (l - l === 0 && l < (bandLo[b] as number)) bandLo[b] = l;
      if (h - h === 0 && h > (bandHi[b] as number)) bandHi[b] = h;
    }
  }

  /** The band of a block pushed with {@link pushBlock} at `x0`: its smallest finite lo and largest finite hi. */
  pushBandBlock(lo: number, hi: number, x0: number): void {
    const [bandLo, bandHi] = this.#band();
    const b = this.bucketOf(x0);
    if (lo < (bandLo[b] as number)) bandLo[b] = lo;
    if (hi > (bandHi[b] as number)) bandHi[b] = hi;
  }

  #band(): [Float64Array, Float64Array] {
    this.#lo ??= new Float64Array(this.#n).fill(Number.POSITIVE_INFINITY);
    this.#hi ??= new Float64Array(this.#n).fill(Number.NEGATIVE_INFINITY);
    return [this.#lo, this.#hi];
  }

  /** Add the statistics of rows `row0..row1` to bucket `b`. */
  #merge(b: number, s: Stats, x0: number, x1: number, row0: number, row1: number): void {
    this.#claim(b, x0, x1, row0, row1, row1 - row0 + 1);
    if (s.count > 0) {
      if (s.min < (this.#min[b] as number)) this.#min[b] = s.min;
      if (s.max > (this.#max[b] as number)) this.#max[b] = s.max;
      if (this.#count[b] === 0) this.#first[b] = s.first;
      this.#last[b] = s.last;
      this.#count[b] = (this.#count[b] as number) + s.count;
    }
    this.#nan[b] = (this.#nan[b] as number) + s.nan;
    this.#posInf[b] = (this.#posInf[b] as number) + s.posInf;
    this.#negInf[b] = (this.#negInf[b] as number) + s.negInf;
  }

  /** The non-empty buckets, in order. */
  result(): Buckets {
    const out: Buckets = {
      x0: [],
      x1: [],
      row0: [],
      row1: [],
      min: [],
      max: [],
      first: [],
      last: [],
      count: [],
      nan: [],
      posInf: [],
      negInf: [],
    };
    const band: [Float64Array, Float64Array, (number | null)[], (number | null)[]] | null =
      this.#lo && this.#hi ? [this.#lo, this.#hi, [], []] : null;
    for (let b = 0; b < this.#n; b++) {
      if (this.#rows[b] === 0) continue;
      const finite = (this.#count[b] as number) > 0;
      out.x0.push(this.#x0[b] as number);
      out.x1.push(this.#x1[b] as number);
      out.row0.push(this.#row0[b] as number);
      out.row1.push(this.#row1[b] as number);
      out.min.push(finite ? (this.#min[b] as number) : null);
      out.max.push(finite ? (this.#max[b] as number) : null);
      out.first.push(finite ? (this.#first[b] as number) : null);
      out.last.push(finite ? (this.#last[b] as number) : null);
      out.count.push(this.#count[b] as number);
      out.nan.push(this.#nan[b] as number);
      out.posInf.push(this.#posInf[b] as number);
      out.negInf.push(this.#negInf[b] as number);
      if (band) {
        const lo = band[0][b] as number;
        const hi = band[1][b] as number;
        band[2].push(lo <= hi ? lo : null);
        band[3].push(lo <= hi ? hi : null);
      }
    }
    if (band) [out.lo, out.hi] = [band[2], band[3]];
    return out;
  }
}
