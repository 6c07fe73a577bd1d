/**
 * A series across the writers of a run, per step: mean, min, max and count, by a streaming
 * merge of each writer's rows in step order (its `NAME.step` column, or the row index for a
 * writer without one), a block of rows at a time. Every row counts; nothing is binned.
 *
 * @module
 */
import { InvalidValueError } from "../model/errors.js";
import { exactSum } from "../model/exact-sum.js";
import type { DatasetView } from "../read/dataset-view.js";

/** One writer's series, and its step column when it has one. */
export interface AggregateSource {
  writer: string;
  values: DatasetView;
  steps: DatasetView | null;
}

/** A series across writers, one entry per step, ascending; typed arrays of equal length. */
export interface RunAggregate {
  /** The series. */
  name: string;
  /** The writers that have it, sorted. */
  writers: string[];
  /** How steps were found: every writer's step column, every writer's row index, or some of each. */
  alignedOn: "step" | "row" | "mixed";
  /** The steps (safe integers: what h5logger writes; a step beyond 2^53 is an error). */
  step: Float64Array;
  /** Mean of the values at each step: their exactly rounded sum (as Python's math.fsum) divided by `count`. NaN when `count` is 0. */
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
  /** Values at each step, NaNs left out (they are left out of mean, min and max too). */
  count: Uint32Array;
}

/** Rows read at a time from each writer. */
const BLOCK_ROWS = 65536;

/** A writer whose steps go down somewhere: it is merged from a sorted copy instead. */
class Unsorted extends Error {
  constructor(readonly source: AggregateSource) {
    super(`${source.writer}: steps are not in order`);
  }
}

/** Reads one writer's rows in order, a block at a time. */
class Cursor {
  step = Number.POSITIVE_INFINITY;
  value = 0;
  readonly #source: AggregateSource;
  readonly #length: number;
  #next = 0;
  #blockStart = 0;
  #values: ArrayLike<number | bigint> = [];
  #steps: ArrayLike<bigint> | null = null;

  constructor(source: AggregateSource) {
    this.#source = source;
    // Companions are appended before their dataset: the step column has at least as many rows.
    this.#length = Math.min(source.values.length, source.steps?.length ?? Number.POSITIVE_INFINITY);
    this.advance();
  }

  get done(): boolean {
    return this.step === Number.POSITIVE_INFINITY;
  }

  /** Move to the next row (`step` is +Infinity past the last). */
  advance(): void {
    const i = this.#next++;
    if (i >= this.#length) {
      this.step = Number.POSITIVE_INFINITY;
      return;
    }
    if (i - this.#blockStart >= this.#values.length || i < this.#blockStart) {
      this.#blockStart = i;
      this.#values = this.#source.values.slice(i, i + BLOCK_ROWS) as ArrayLike<number | bigint>;
      this.#steps = this.#source.steps ? (this.#source.steps.slice(i, i + BLOCK_ROWS) as ArrayLike<bigint>) : null;
    }
    const k = i - this.#blockStart;
    const step = this.#steps ? checkedStep(this.#source, this.#steps[k] as bigint) : i;
    if (step < this.step && this.step !== Number.POSITIVE_INFINITY) throw new Unsorted(this.#source);
    this.step = step;
    this.value = Number(this.#values[k]);
  }
}

/** A writer's rows sorted by step (stably: rows of one step keep their order), read from memory. */
class SortedCursor {
  step = Number.POSITIVE_INFINITY;
  value = 0;
  readonly #steps: Float64Array;
  readonly #values: Float64Array;
  readonly #order: Uint32Array;
  #next = 0;

  constructor(source: AggregateSource) {
    const length = Math.min(source.values.length, source.steps?.length ?? Number.POSITIVE_INFINITY);
    const raw = source.steps?.slice(0, length) as ArrayLike<bigint>;
    this.#steps = Float64Array.from({ length }, (_, i) => checkedStep(source, raw[i] as bigint));
    this.#values = Float64Array.from(source.values.slice(0, length) as ArrayLike<number | bigint>, Number);
    const steps = this.#steps;
    this.#order = Uint32Array.from({ length }, (_, i) => i).sort((a, b) => (steps[a] as number) - (steps[b] as number) || a - b);
    this.advance();
  }

  get done(): boolean {
    return this.step === Number.POSITIVE_INFINITY;
  }

  advance(): void {
    const i = this.#next++;
    if (i >= this.#order.length) {
      this.step = Number.POSITIVE_INFINITY;
      return;
    }
    const row = this.#order[i] as number;
    this.step = this.#steps[row] as number;
    this.value = this.#values[row] as number;
  }
}

function checkedStep(source: AggregateSource, step: bigint): number {
  const n = Number(step);
  if (!Number.isSafeInteger(n)) {
    throw new InvalidValueError(
      `${source.writer}/${source.values.name}.step`,
      `step ${step} is beyond 2^53, which aggregate cannot hold exactly`,
    );
  }
  return n;
}

/** A typed array that grows as entries are added. */
class Column<T extends Float64Array | Uint32Array> {
  #array: T;
  length = 0;
  constructor(readonly make: (n: number) => T) {
    this.#array = make(1024);
  }
  push(value: number): void {
    if (this.length === this.#array.length) {
      const grown = this.make(this.#array.length * 2);
      grown.set(this.#array);
      this.#array = grown;
    }
    this.#array[this.length++] = value;
  }
  done(): T {
    return this.#array.slice(0, this.length) as T;
  }
}

/** The aggregate of `name` over `sources` (at least one). */
export function aggregate(name: string, sources: readonly AggregateSource[]): RunAggregate {
  const sorted = new Set<AggregateSource>();
  for (;;) {
    try {
      return merge(name, sources, sorted);
    } catch (err) {
      if (!(err instanceof Unsorted)) throw err;
      sorted.add(err.source); // one more pass, this writer from a sorted copy
    }
  }
}

function merge(name: string, sources: readonly AggregateSource[], sorted: ReadonlySet<AggregateSource>): RunAggregate {
  const cursors = sources.map((s) => (sorted.has(s) ? new SortedCursor(s) : new Cursor(s)));
  const step = new Column((n) => new Float64Array(n));
  const mean = new Column((n) => new Float64Array(n));
  const min = new Column((n) => new Float64Array(n));
  const max = new Column((n) => new Float64Array(n));
  const count = new Column((n) => new Uint32Array(n));
  let values = new Float64Array(Math.max(16, cursors.length * 2));
  for (;;) {
    let here = Number.POSITIVE_INFINITY;
    for (const c of cursors) if (c.step < here) here = c.step;
    if (here === Number.POSITIVE_INFINITY) break;
    let n = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const c of cursors) {
      // A writer may log a step more than once: each of its rows counts.
      while (c.step === here) {
        const v = c.value;
        if (!Number.isNaN(v)) {
          if (n === values.length) {
            const grown = new Float64Array(n * 2);
            grown.set(values);
            values = grown;
          }
          values[n++] = v;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        c.advance();
      }
    }
    step.push(here);
    mean.push(n === 0 ? Number.NaN : exactSum(values, n) / n);
    min.push(n === 0 ? Number.NaN : lo);
    max.push(n === 0 ? Number.NaN : hi);
    count.push(n);
  }
  const withSteps = sources.filter((s) => s.steps !== null).length;
  return {
    name,
    writers: sources.map((s) => s.writer),
    alignedOn: withSteps === sources.length ? "step" : withSteps === 0 ? "row" : "mixed",
    step: step.done(),
    mean: mean.done(),
    min: min.done(),
    max: max.done(),
    count: count.done(),
  };
}
