/**
 * M4 buckets of the viewer (src/view/m4.ts, pyramid.ts, query.ts) against brute force: every
 * bucket's min, max, first, last and counts must equal those computed here, row by row, over
 * the rows the bucket claims; the buckets must partition the visible rows in order; a one-row
 * spike must survive any zoom. Series live in memory: no HDF5 here.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PyramidCache } from "../src/view/cache.js";
import type { Column } from "../src/view/column.js";
import { querySeries, type SeriesAnswer } from "../src/view/query.js";

function memoryColumn(name: string, data: Float64Array): Column {
  return { name, length: data.length, read: (s, e) => data.slice(s, e) };
}

/** Reference statistics of rows `r0..r1` (inclusive), written independently of the code under test. */
function brute(values: Float64Array, r0: number, r1: number) {
  let min: number | null = null;
  let max: number | null = null;
  let first: number | null = null;
  let last: number | null = null;
  let count = 0;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (let r = r0; r <= r1; r++) {
    const v = values[r] as number;
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      min = min === null || v < min ? v : min;
      max = max === null || v > max ? v : max;
      if (first === null) first = v;
      last = v;
      count++;
    }
  }
  return { min, max, first, last, count, nan, posInf, negInf };
}

/** Checks that hold for any answer: exact figures per bucket, buckets in order covering exactly the rows in [from, to]. */
function checkAnswer(
  answer: SeriesAnswer,
  values: Float64Array,
  xs: Float64Array | null,
  from: number | undefined,
  to: number | undefined,
) {
  const b = answer.buckets;
  const xOf = (r: number) => (xs ? (xs[r] as number) : r);
  const inRange = (r: number) => (from === undefined || xOf(r) >= from) && (to === undefined || xOf(r) <= to);
  const expectedRows: number[] = [];
  for (let r = 0; r < values.length; r++) if (inRange(r)) expectedRows.push(r);
  let covered = 0;
  for (let i = 0; i < b.x0.length; i++) {
    const r0 = b.row0[i] as number;
    const r1 = b.row1[i] as number;
    if (i > 0) assert.equal(r0, (b.row1[i - 1] as number) + 1, `bucket ${i} starts right after the one before`);
    else assert.equal(r0, expectedRows[0], "the first bucket starts at the first visible row");
    assert.equal(b.x0[i], xOf(r0));
    assert.equal(b.x1[i], xOf(r1));
    const ref = brute(values, r0, r1);
    assert.deepEqual(
      {
        min: b.min[i],
        max: b.max[i],
        first: b.first[i],
        last: b.last[i],
        count: b.count[i],
        nan: b.nan[i],
        posInf: b.posInf[i],
        negInf: b.negInf[i],
      },
      ref,
      `bucket ${i} (rows ${r0}..${r1})`,
    );
    covered += r1 - r0 + 1;
  }
  assert.equal(covered, expectedRows.length, "the buckets hold every visible row once");
  if (b.x0.length > 0) assert.equal(b.row1.at(-1), expectedRows.at(-1));
}

/** Random values with spikes, NaN and ±Inf. */
const valuesArb = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 20, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
        { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e300, -1e300, 0, -0) },
      ),
      { minLength: 0, maxLength },
    )
    .map((a) => Float64Array.from(a));

test("M4 on rows read directly equals brute force, for any range and bucket count (x = row)", async () => {
  await fc.assert(
    fc.asyncProperty(
      valuesArb(3000),
      fc.integer({ min: 1, max: 400 }),
      fc.option(fc.double({ min: -50, max: 3100, noNaN: true })),
      fc.option(fc.double({ min: -50, max: 3100, noNaN: true })),
      async (values, buckets, a, b) => {
        const [from, to] = a !== null && b !== null && b < a ? [b, a] : [a ?? undefined, b ?? undefined];
        const answer = await querySeries(
          { key: "k", values: memoryColumn("v", values), x: null },
          { buckets, from, to },
          new PyramidCache(),
        );
        assert.ok(answer.buckets.x0.length <= buckets);
        checkAnswer(answer, values, null, from, to);
      },
    ),
    { numRuns: 150 },
  );
});

test("M4 with a step column (non-decreasing, with repeats and gaps) equals brute force", async () => {
  await fc.assert(
    fc.asyncProperty(
      valuesArb(3000),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 0, max: 5 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (values, buckets, gap, p, q) => {
        const steps = new Float64Array(values.length);
        for (let i = 1; i < steps.length; i++) steps[i] = (steps[i - 1] as number) + ((i * 7) % 3 === 0 ? 0 : 1 + gap * (i % 5));
        const span = (steps.at(-1) ?? 0) + 10;
        const [from, to] = [Math.min(p, q) * span, Math.max(p, q) * span];
        const cache = new PyramidCache();
        const answer = await querySeries(
          { key: "k", values: memoryColumn("v", values), x: memoryColumn("s", steps) },
          { buckets, from, to },
          cache,
        );
        checkAnswer(answer, values, steps, from, to);
        const whole = await querySeries({ key: "k", values: memoryColumn("v", values), x: memoryColumn("s", steps) }, { buckets }, cache);
        checkAnswer(whole, values, steps, undefined, undefined);
      },
    ),
    { numRuns: 100 },
  );
});

test("M4 over pyramid blocks (wide views) equals brute force on the rows each bucket claims", async () => {
  const rows = 300_000;
  const values = new Float64Array(rows);
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < rows; i++) values[i] = Math.sin(i / 5000) + rand() * 0.01;
  const spike = 123_457;
  values[spike] = 1000; // one row
  values[200_001] = Number.NaN;
  values[250_002] = -Infinity;
  const steps = Float64Array.from({ length: rows }, (_, i) => 10 * i + (i > 150_000 ? 1e6 : 0)); // a jump in steps
  const cache = new PyramidCache();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 0, max: rows - 1 }),
      fc.integer({ min: 0, max: rows - 1 }),
      fc.boolean(),
      async (buckets, a, b, useSteps) => {
        const [r0, r1] = [Math.min(a, b), Math.max(a, b)];
        const xs = useSteps ? steps : null;
        const from = xs ? (xs[r0] as number) : r0;
        const to = xs ? (xs[r1] as number) : r1;
        const src = { key: "wide", values: memoryColumn("v", values), x: xs ? memoryColumn("s", xs) : null };
        const answer = await querySeries(src, { buckets, from, to, rawRows: 1000 }, cache);
        checkAnswer(answer, values, xs, from, to);
        if (r0 <= spike && spike <= r1) assert.equal(Math.max(...(answer.buckets.max as number[])), 1000, "the one-row spike shows");
      },
    ),
    { numRuns: 60 },
  );
  // Fully zoomed out, 1,000 buckets over 300,000 rows through blocks: the spike is there.
  const all = await querySeries({ key: "wide", values: memoryColumn("v", values), x: null }, { buckets: 10, rawRows: 1000 }, cache);
  assert.equal(Math.max(...(all.buckets.max as number[])), 1000);
  assert.equal(
    all.buckets.nan.reduce((s, n) => s + n, 0),
    1,
  );
  assert.equal(
    all.buckets.negInf.reduce((s, n) => s + n, 0),
    1,
  );
});

test("a series that grows: the pyramid is extended, and a shorter one (a replaced file) starts over", async () => {
  const cache = new PyramidCache();
  const full = Float64Array.from({ length: 50_000 }, (_, i) => (i === 49_999 ? 99 : i % 17));
  for (const n of [5000, 20_000, 20_001, 50_000]) {
    const values = full.slice(0, n);
    const answer = await querySeries({ key: "g", values: memoryColumn("v", values), x: null }, { buckets: 3, rawRows: 100 }, cache);
    checkAnswer(answer, values, null, undefined, undefined);
  }
  const replaced = Float64Array.from({ length: 9000 }, (_, i) => -i);
  const answer = await querySeries({ key: "g", values: memoryColumn("v", replaced), x: null }, { buckets: 2, rawRows: 100 }, cache);
  checkAnswer(answer, replaced, null, undefined, undefined);
});

test("a step column that decreases (a resumed run): every row is bucketed by its x, none lost", async () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => i);
  const steps = Float64Array.from({ length: 1000 }, (_, i) => (i < 600 ? i : i - 300)); // steps 300..599 twice
  const answer = await querySeries(
    { key: "r", values: memoryColumn("v", values), x: memoryColumn("s", steps) },
    { buckets: 10 },
    new PyramidCache(),
  );
  assert.equal(answer.monotone, false);
  assert.equal(
    answer.buckets.count.reduce((s, n) => s + n, 0),
    1000,
  );
  assert.equal(Math.max(...(answer.buckets.max as number[])), 999);
});
