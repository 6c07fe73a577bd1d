/**
 * TensorBoard's scalar smoothing, so that habits carry over: a debiased exponential moving
 * average. For each finite value `y`: `last = last·w + (1−w)·y; n += 1; shown = last / (1 − wⁿ)`.
 * A non-finite value (NaN, ±Inf) is passed through as it is and leaves the average alone.
 *
 * The state is two numbers, so a long series can be resumed from a checkpoint (see pyramid.ts)
 * instead of from its first row.
 *
 * @module
 */

/** Where the average stands after some rows. */
export interface EmaState {
  last: number;
  n: number;
}

/** A smoothing weight: a number in [0, 1), or a RangeError that says so. */
export function checkWeight(weight: number): number {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be at least 0 and below 1, got ${weight}`);
  return weight;
}

/** Debiased EMA over a stream of values, chunk by chunk. */
export class Ema {
  readonly weight: number;
  last: number;
  n: number;

  constructor(weight: number, state: EmaState = { last: 0, n: 0 }) {
    this.weight = checkWeight(weight);
    this.last = state.last;
    this.n = state.n;
  }

  get state(): EmaState {
    return { last: this.last, n: this.n };
  }

  /** Smooth `values` into `out` (may be the same array); returns `out`. */
  apply(values: ArrayLike<number>, out: Float64Array = new Float64Array(values.length)): Float64Array {
    const w = this.weight;
    let { last, n } = this;
    // w^n is kept as a running product: Math.pow per row costs about 3x here.
    let wn = w ** n;
    for (let i = 0; i < values.length; i++) {
      const y = values[i] as number;
      if (!Number.isFinite(y)) {
        out[i] = y;
        continue;
      }
      last = last * w + (1 - w) * y;
      n += 1;
      wn *= w;
      out[i] = w === 0 ? y : last / (1 - wn);
    }
    this.last = last;
    this.n = n;
    return out;
  }
}
