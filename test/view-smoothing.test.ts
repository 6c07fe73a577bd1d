/**
 * Smoothing (src/view/smoothing.ts) against a reference written here from TensorBoard's
 * formula: for each finite y, last = last·w + (1−w)·y; n += 1; shown = last / (1 − wⁿ); a
 * non-finite value is shown as it is and leaves the average alone. Then the viewer's smoothed
 * buckets (over every row, resumed from block checkpoints when zoomed) against brute force
 * over the reference's smoothed series.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PyramidCache } from "../src/view/cache.js";
import type { Column } from "../src/view/column.js";
import { querySeries } from "../src/view/query.js";
import { Ema } from "../src/view/smoothing.js";

/** TensorBoard's debiased EMA, one value at a time, with Math.pow (the code under test keeps a running product). */
function reference(values: ArrayLike<number>, w: number): number[] {
  let last = 0;
  let n = 0;
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const y = values[i] as number;
    if (!Number.isFinite(y)) {
      out.push(y);
      continue;
    }
    last = last * w + (1 - w) * y;
    n += 1;
    out.push(w === 0 ? y : last / (1 - w ** n));
  }
  return out;
}

function close(actual: number, expected: number, what: string): void {
  if (!Number.isFinite(expected)) {
    assert.ok(Object.is(actual, expected), `${what}: ${actual} is not ${expected}`);
    return;
  }
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} differs from ${expected}`);
}

const values = fc.array(
  fc.oneof(
    { weight: 15, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
  ),
  { maxLength: 500 },
);
const weight = fc.oneof(fc.constantFrom(0, 0.6, 0.99, 0.999), fc.double({ min: 0, max: 0.999, noNaN: true }));

test("Ema matches the reference, whole or in chunks of any size", () => {
  fc.assert(
    fc.property(values, weight, fc.integer({ min: 1, max: 50 }), (ys, w, chunk) => {
      const expected = reference(ys, w);
      const whole = new Ema(w).apply(ys);
      const chunked: number[] = [];
      const ema = new Ema(w);
      for (let i = 0; i < ys.length; i += chunk) chunked.push(...ema.apply(ys.slice(i, i + chunk)));
      expected.forEach((e, i) => {
        close(whole[i] as number, e, `row ${i}`);
        close(chunked[i] as number, e, `row ${i} (chunks of ${chunk})`);
      });
    }),
  );
});

test("TensorBoard's worked case: w = 0.6 over 1, 2, NaN, 3", () => {
  const shown = new Ema(0.6).apply([1, 2, Number.NaN, 3]);
  // By hand: last = 0.4, 0.4·0.6 + 0.8 = 1.04, (NaN), 1.04·0.6 + 1.2 = 1.824; debiased by 1 − 0.6ⁿ.
  close(shown[0] as number, 0.4 / 0.4, "row 0");
  close(shown[1] as number, 1.04 / 0.64, "row 1");
  assert.ok(Number.isNaN(shown[2]));
  close(shown[3] as number, 1.824 / (1 - 0.216), "row 3");
});

test("weights outside [0, 1) are refused", () => {
  for (const w of [-0.1, 1, 1.5, Number.NaN]) assert.throws(() => new Ema(w), RangeError);
});

test("smoothed buckets are computed on every row: zoomed in (from a checkpoint) or out (over blocks)", async () => {
  const rows = 120_000;
  const ys = Float64Array.from({ length: rows }, (_, i) => Math.sin(i / 700) * 5 + ((i * 7919) % 13) - (i === 77_777 ? 1e4 : 0));
  ys[5000] = Number.NaN;
  const column: Column = { name: "v", length: rows, read: (s, e) => ys.slice(s, e) };
  const cache = new PyramidCache();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: rows - 1 }),
      fc.integer({ min: 0, max: rows - 1 }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(0.6, 0.9),
      async (a, b, buckets, w) => {
        const smoothed = reference(ys, w);
        const [from, to] = [Math.min(a, b), Math.max(a, b)];
        const answer = await querySeries({ key: "s", values: column, x: null }, { buckets, from, to, smooth: w, rawRows: 2000 }, cache);
        const bk = answer.buckets;
        for (let i = 0; i < bk.x0.length; i++) {
          const part = smoothed.slice(bk.row0[i] as number, (bk.row1[i] as number) + 1).filter(Number.isFinite);
          close(bk.min[i] as number, Math.min(...part), `bucket ${i} min`);
          close(bk.max[i] as number, Math.max(...part), `bucket ${i} max`);
          close(bk.first[i] as number, part[0] as number, `bucket ${i} first`);
          close(bk.last[i] as number, part.at(-1) as number, `bucket ${i} last`);
        }
        assert.equal(bk.row0[0], from);
        assert.equal(bk.row1.at(-1), to);
      },
    ),
    { numRuns: 40 },
  );
});
