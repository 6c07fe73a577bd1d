/**
 * The mean across a run's writers with its min–max band, as the viewer aggregates it
 * (src/view/merged.ts through query.ts), against brute force: writers with steps of their own
 * (gaps, repeats, some with no step column), NaN and ±Inf, any range and bucket count, wide
 * views through the merge's pyramids, writers that grow and join late, the switch to coarse
 * blocks. Every bucket must hold exactly the statistics computed here, step by step, over the
 * steps it claims. Writers live in memory: no HDF5 here.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Column } from "../src/view/column.js";
import { toFloat64 } from "../src/view/column.js";
import { MergedSeries, type MergeSource, StepsOutOfOrder } from "../src/view/merged.js";
import { querySeries, type SeriesAnswer } from "../src/view/query.js";

interface Writer {
  name: string;
  steps: number[] | null;
  values: number[];
}

const column = (name: string, data: readonly number[]): Column => {
  const array = Float64Array.from(data);
  return { name, length: array.length, read: (s, e) => array.slice(s, e) };
};

/** Sources of the writers as of `rows` rows each (all of them by default), with a stable origin per writer. */
const origins = new Map<string, object>();
function sources(writers: readonly Writer[], rows?: (w: Writer) => number): MergeSource[] {
  return [...writers]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((w) => {
      const n = rows ? rows(w) : w.values.length;
      const origin = origins.get(w.name) ?? {};
      origins.set(w.name, origin);
      return {
        writer: w.name,
        values: column("loss", w.values.slice(0, n)),
        steps: w.steps ? column("loss.step", w.steps.slice(0, n)) : null,
        origin,
        generation: 1,
      };
    });
}

/** Per step, written independently of the code under test: values are multiples of 1/8 below 2^20, so any sum of them is exact. */
function bruteMerge(writers: readonly Writer[]) {
  const at = new Map<number, number[]>();
  for (const w of writers) {
    w.values.forEach((v, i) => {
      const step = w.steps ? (w.steps[i] as number) : i;
      const here = at.get(step);
      if (here) here.push(v);
      else at.set(step, [v]);
    });
  }
  const steps = [...at.keys()].sort((a, b) => a - b);
  return steps.map((step) => {
    let sum = 0;
    let n = 0;
    let lo: number | null = null;
    let hi: number | null = null;
    for (const v of at.get(step) as number[]) {
      if (Number.isNaN(v)) continue;
      sum += v;
      n++;
      if (Number.isFinite(v)) {
        lo = lo === null || v < lo ? v : lo;
        hi = hi === null || v > hi ? v : hi;
      }
    }
    return { step, mean: n === 0 ? Number.NaN : sum / n, lo, hi };
  });
}

type Merged = ReturnType<typeof bruteMerge>;

/** Each bucket's figures over the steps it claims; the buckets cover every step in range once, in order. */
function check(answer: SeriesAnswer, merged: Merged, from: number | undefined, to: number | undefined, smoothed?: number[]) {
  const b = answer.buckets;
  const visible = merged
    .map((m, i) => [m, i] as const)
    .filter(([m]) => (from === undefined || m.step >= from) && (to === undefined || m.step <= to));
  let covered = 0;
  for (let i = 0; i < b.x0.length; i++) {
    const r0 = b.row0[i] as number;
    const r1 = b.row1[i] as number;
    if (i === 0) assert.equal(r0, visible[0]?.[1], "the first bucket starts at the first visible step");
    else assert.equal(r0, (b.row1[i - 1] as number) + 1, `bucket ${i} starts right after the one before`);
    const rows = merged.slice(r0, r1 + 1);
    assert.equal(b.x0[i], rows[0]?.step);
    assert.equal(b.x1[i], rows.at(-1)?.step);
    const means = smoothed ? smoothed.slice(r0, r1 + 1) : rows.map((r) => r.mean);
    const finite = means.filter(Number.isFinite);
    const expect = {
      min: finite.length ? finite.reduce((a, v) => Math.min(a, v)) : null,
      max: finite.length ? finite.reduce((a, v) => Math.max(a, v)) : null,
      first: finite[0] ?? null,
      last: finite.at(-1) ?? null,
      count: finite.length,
      nan: means.filter(Number.isNaN).length,
      posInf: means.filter((v) => v === Infinity).length,
      negInf: means.filter((v) => v === -Infinity).length,
    };
    const got = {
      min: b.min[i],
      max: b.max[i],
      first: b.first[i],
      last: b.last[i],
      count: b.count[i],
      nan: b.nan[i],
      posInf: b.posInf[i],
      negInf: b.negInf[i],
    };
    if (smoothed)
      for (const k of ["min", "max", "first", "last"] as const)
        if (typeof got[k] === "number" && typeof expect[k] === "number") {
          assert.ok(
            Math.abs((got[k] as number) - (expect[k] as number)) <= 1e-9 * Math.max(1, Math.abs(expect[k] as number)),
            `bucket ${i} ${k}`,
          );
          got[k] = expect[k];
        }
    assert.deepEqual(got, expect, `bucket ${i} (steps ${rows[0]?.step}..${rows.at(-1)?.step})`);
    let lo: number | null = null;
    let hi: number | null = null;
    for (const r of rows) {
      if (r.lo !== null && (lo === null || r.lo < lo)) lo = r.lo;
      if (r.hi !== null && (hi === null || r.hi > hi)) hi = r.hi;
    }
    assert.equal(b.lo?.[i], lo, `bucket ${i} band low`);
    assert.equal(b.hi?.[i], hi, `bucket ${i} band high`);
    covered += r1 - r0 + 1;
  }
  assert.equal(covered, visible.length, "the buckets hold every visible step once");
}

async function query(m: MergedSeries, q: { buckets: number; from?: number; to?: number; smooth?: number }): Promise<SeriesAnswer> {
  return querySeries({ key: m.key, values: m.mean, x: m.step, band: { lo: m.lo, hi: m.hi } }, { ...q, rawRows: 0 }, m.pyramids);
}

/** TensorBoard's smoothing over the means, as the issue states it. */
function ema(values: readonly number[], w: number): number[] {
  let last = 0;
  let n = 0;
  return values.map((y) => {
    if (!Number.isFinite(y)) return y;
    last = last * w + (1 - w) * y;
    n++;
    return w === 0 ? y : last / (1 - w ** n);
  });
}

const valueArb = fc.oneof(
  { weight: 30, arbitrary: fc.integer({ min: -8000, max: 8000 }).map((i) => i / 8) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
);

/** A writer: steps that never go down (gaps and repeats), or none (aligned by row index); up to `maxRows` rows. */
const writerArb = (name: string, maxRows: number) =>
  fc.integer({ min: 0, max: maxRows }).chain((n) =>
    fc
      .record({
        gaps: fc.array(fc.constantFrom(0, 1, 1, 1, 2, 5), { minLength: n, maxLength: n }),
        start: fc.integer({ min: 0, max: 50 }),
        noSteps: fc.integer({ min: 0, max: 6 }).map((k) => k === 0),
        values: fc.array(valueArb, { minLength: n, maxLength: n }),
      })
      .map(({ gaps, start, noSteps, values }): Writer => {
        let step = start;
        const steps = gaps.map((g) => (step += g));
        return { name, steps: noSteps ? null : steps, values };
      }),
  );

const writersArb = (maxRows: number) =>
  fc.integer({ min: 1, max: 5 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => writerArb(`w${i}`, maxRows))));

test("the mean, band and counts across writers equal brute force, for any range and bucket count, narrow or wide", async () => {
  await fc.assert(
    fc.asyncProperty(
      writersArb(1500),
      fc.integer({ min: 1, max: 40 }),
      fc.option(fc.integer({ min: -10, max: 4000 })),
      fc.option(fc.integer({ min: -10, max: 4000 })),
      async (writers, buckets, a, b) => {
        const [from, to] = a !== null && b !== null && b < a ? [b, a] : [a ?? undefined, b ?? undefined];
        const m = new MergedSeries("k");
        await m.update(sources(writers));
        const merged = bruteMerge(writers);
        assert.equal(m.rows, merged.length);
        check(await query(m, { buckets, from, to }), merged, from, to);
      },
    ),
    { numRuns: 150, endOnFailure: true }, // shrinking writers of thousands of rows takes minutes
  );
});

test("the smoothed mean is TensorBoard's smoothing of the mean per step; the band stays raw", async () => {
  await fc.assert(
    fc.asyncProperty(writersArb(1200), fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 0.6, 0.9), async (writers, buckets, w) => {
      const m = new MergedSeries("k");
      await m.update(sources(writers), w);
      const merged = bruteMerge(writers);
      check(
        await query(m, { buckets, smooth: w }),
        merged,
        undefined,
        undefined,
        ema(
          merged.map((r) => r.mean),
          w,
        ),
      );
    }),
    { numRuns: 60, endOnFailure: true }, // shrinking writers of thousands of rows takes minutes
  );
});

test("writers that grow and join late are merged again only from where they changed, with the same result as merging all", async () => {
  await fc.assert(
    fc.asyncProperty(
      writersArb(1500),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
      fc.integer({ min: 1, max: 30 }),
      async (writers, cuts, buckets) => {
        const m = new MergedSeries("k");
        // First a few writers with some of their rows, then more rows and more writers, then all.
        const firstCut = (w: Writer) => Math.floor(w.values.length * (cuts[Number(w.name.slice(1))] ?? 0));
        await m.update(sources(writers.slice(0, Math.max(1, writers.length - 1)), firstCut), 0.6);
        await m.update(
          sources(writers, (w) => Math.max(firstCut(w), Math.floor(w.values.length * 0.9))),
          0.6,
        );
        await m.update(sources(writers), 0.6);
        const merged = bruteMerge(writers);
        assert.equal(m.rows, merged.length);
        check(await query(m, { buckets }), merged, undefined, undefined);
        check(
          await query(m, { buckets, smooth: 0.6 }),
          merged,
          undefined,
          undefined,
          ema(
            merged.map((r) => r.mean),
            0.6,
          ),
        );
      },
    ),
    { numRuns: 80, endOnFailure: true }, // shrinking writers of thousands of rows takes minutes
  );
});

test("a large merge moves to coarse blocks once, and wide views stay exact; a spike of one writer at one step shows", async () => {
  const rows = 60_000;
  const writers: Writer[] = [0, 1, 2].map((k) => ({
    name: `w${k}`,
    steps: Array.from({ length: rows }, (_, i) => 2 * i + (k === 2 ? 1 : 0)),
    values: Array.from({ length: rows }, (_, i) => ((i * (k + 3)) % 97) / 8 + (k === 1 && i === 31_337 ? 1e5 : 0)),
  }));
  const m = new MergedSeries("big", 50_000);
  await m.update(sources(writers, (w) => (w.name === "w0" ? 20_000 : 10_000)));
  assert.equal(m.pyramids.blockRows, 128);
  await m.update(sources(writers));
  assert.equal(m.pyramids.blockRows, 1024, "past 50,000 steps, blocks of 1,024");
  const merged = bruteMerge(writers);
  for (const [buckets, from, to] of [
    [10, undefined, undefined],
    [7, 1000, 90_000],
    [3, 62_000, 62_700],
  ] as const) {
    const answer = await query(m, { buckets, from, to });
    check(answer, merged, from, to);
    if ((from ?? 0) <= 62_674 && 62_674 <= (to ?? Infinity))
      assert.equal(Math.max(...(answer.buckets.hi as number[])), 1e5 + ((31_337 * 4) % 97) / 8);
  }
});

test("a writer whose steps go back is merged in step order, also as it grows; a step that is not a number is refused with the writer's name; int64 steps become exact numbers", async () => {
  const m = new MergedSeries("k");
  const a: Writer = { name: "a", steps: [0, 1, 2, 3], values: [1, 2, 3, 4] };
  const b: Writer = { name: "b", steps: [0, 2, 1], values: [10, 20, 30] };
  const rows = async (writers: Writer[]) => {
    await m.update(sources(writers));
    const r = m.read(0, m.rows);
    return [...r.step].map((step, i) => [step, r.mean[i], r.lo[i], r.hi[i], r.count[i]]);
  };
  assert.deepEqual(await rows([a, b]), [
    [0, 5.5, 1, 10, 2],
    [1, 16, 2, 30, 2],
    [2, 11.5, 3, 20, 2],
    [3, 4, 4, 4, 1],
  ]);
  b.steps?.push(0, 5);
  b.values.push(40, 50);
  assert.deepEqual(await rows([a, b]), [
    [0, 17, 1, 40, 3],
    [1, 16, 2, 30, 2],
    [2, 11.5, 3, 20, 2],
    [3, 4, 4, 4, 1],
    [5, 50, 50, 50, 1],
  ]);
  const c: Writer = { name: "c", steps: [0, Number.NaN], values: [1, 2] };
  await assert.rejects(
    m.update(sources([a, b, c])),
    (err: Error) => err instanceof StepsOutOfOrder && /writer c: .* step NaN; .* steps that are numbers/.test(err.message),
  );
  const big = BigInt64Array.from([0n, 1n, -1n, 2n ** 53n, -(2n ** 53n) - 2n, 2n ** 62n + 12345n, 4294967295n, 4294967296n, -4294967297n]);
  assert.deepEqual([...toFloat64(big)], [...big].map(Number));
  const unsigned = BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 32n + 7n]);
  assert.deepEqual([...toFloat64(unsigned)], [...unsigned].map(Number));
});
