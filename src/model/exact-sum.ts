/**
 * The exactly rounded sum of some doubles, as Python's `math.fsum` computes it (Shewchuk's
 * partials, then a half-even correction), so that a run's mean across writers does not depend
 * on the order the writers are read in. Pure: no files here.
 *
 * @module
 */

/** Partials, reused between calls: one sum is computed at a time. */
let partials = new Float64Array(32);

/**
 * The sum of `values[0..n)`, correctly rounded. Infinities give ±Infinity (NaN when both
 * signs occur); NaN gives NaN. A sum whose exact value overflows is ±Infinity.
 */
export function exactSum(values: ArrayLike<number>, n = values.length): number {
  let count = 0;
  let special = 0;
  for (let k = 0; k < n; k++) {
    let x = values[k] as number;
    if (!Number.isFinite(x)) {
      special += x; // NaN stays NaN; Infinity + -Infinity is NaN, as fsum says
      continue;
    }
    let i = 0;
    for (let j = 0; j < count; j++) {
      let y = partials[j] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    if (!Number.isFinite(x)) return halvedSum(values, n); // an intermediate overflow
    count = i;
    if (x === 0) continue; // as fsum: no zero partial, so that a sum of zeros is +0
    if (count >= partials.length) {
      const grown = new Float64Array(partials.length * 2);
      grown.set(partials);
      partials = grown;
    }
    partials[count++] = x;
  }
  if (special !== 0) return special;
  return roundPartials(count);
}

/** The partials' sum, rounded once (the last step of Python's fsum). */
function roundPartials(count: number): number {
  let n = count;
  if (n === 0) return 0;
  let hi = partials[--n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Half-even: when the rest of the partials push the same way as lo, round away from hi.
  const next = n > 0 ? (partials[n - 1] as number) : 0;
  if (n > 0 && ((lo < 0 && next < 0) || (lo > 0 && next > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** A sum past the largest double: exact halves do not overflow; doubling them back may (then it is ±Infinity). */
function halvedSum(values: ArrayLike<number>, n: number): number {
  const halves = Float64Array.from({ length: n }, (_, k) => (values[k] as number) / 2);
  return exactSum(halves) * 2;
}
