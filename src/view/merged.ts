/**
 * One series across the writers of a run, per step, as the viewer draws it: at each step (a
 * writer's `NAME.step`, or its row index when it has none) the mean of the writers' values
 * there (NaN left out: the exactly rounded sum over the count, as `H5Run.aggregate` computes
 * it), the smallest and largest finite value (the band), and how many values there were.
 *
 * Its rows, one per step in ascending order, come from a streaming merge of the writers' rows
 * and are never all kept: at the start of every block of merged rows a checkpoint records
 * where each writer stands, and pyramids of the step, mean, low and high columns are fed as
 * the merge goes, so that any range can be merged again from the checkpoint before it and
 * wide views use the pyramids (query.ts, as for one writer's series). Merging costs several
 * times what reading one series does, so blocks are small ({@link FINE_ROWS} rows: a view of
 * 1,000 pixels uses the pyramids from 256K steps on) until the run is large; memory is in
 * proportion to the steps divided by the block size.
 *
 * When writers grow, only what changed is merged again: from the checkpoint before the
 * smallest step among their new rows. A writer that joins late with early steps means merging
 * (nearly) all again; a writer whose file was replaced, or that left, means merging all again.
 * A writer whose steps go back somewhere is merged, as `H5Run.aggregate` does it, from a copy
 * sorted by step (stably: rows of one step keep their order), and merged all again when it grows.
 *
 * @module
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { exactSum } from "../model/exact-sum.js";
import type { PyramidSource } from "./cache.js";
import type { Column } from "./column.js";
import { BLOCK_ROWS, Pyramid } from "./pyramid.js";

/** Rows per block while the merge is small: about 2 bytes of pyramids and checkpoints per step. */
export const FINE_ROWS = 128;
/** Beyond this many steps, blocks of {@link BLOCK_ROWS} (merged again once): 0.3 bytes per step. */
const FINE_MAX = 1 << 22;

/** One writer's series. */
export interface MergeSource {
  writer: string;
  values: Column;
  /** Its step column, or null: its steps are its row indexes. */
  steps: Column | null;
  /** What it was read from (its file): another file of the same writer is merged anew. */
  origin: object;
  /** Changes when the file was reopened from scratch. */
  generation: number;
}

/** Merged rows `[start, start + length)`, as columns. */
export interface MergedRows {
  step: Float64Array;
  mean: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  count: Float64Array;
}

/** A writer's steps are not numbers: the merge cannot place its rows. */
export class StepsOutOfOrder extends Error {}

/** A writer's steps go back: it is merged from a sorted copy instead. */
class Unsorted extends Error {
  readonly writer: string;
  constructor(writer: string) {
    super(`writer ${writer}: steps are not in order`);
    this.writer = writer;
  }
}

/** Rows of a writer read at a time while merging everything. */
const READ_ROWS = 1 << 16;
/** Merged rows fed to the pyramids at a time (then the event loop turns). */
const FEED_ROWS = 1 << 16;
/** Recent range merges kept: the columns of one range are read one after the other. */
const MEMO = 4;
/** Smoothing weights kept per merge (a slider moved: each new weight means merging all again). */
const WEIGHTS = 3;

const EMPTY = new Float64Array(0);

/** One writer's rows, read a block at a time from row `pos` on. */
class Cursor {
  readonly source: MergeSource;
  readonly length: number;
  pos: number;
  readonly #readRows: number;
  #start = 0;
  #steps: Float64Array = EMPTY;
  #values: Float64Array = EMPTY;

  constructor(source: MergeSource, length: number, pos: number, readRows: number) {
    this.source = source;
    this.length = length;
    this.pos = pos;
    this.#readRows = readRows;
  }

  /** The step of row `pos`, or +Infinity past the last row. */
  step(): number {
    const i = this.pos - this.#start;
    if (i < this.#values.length) return this.#steps[i] as number;
    if (this.pos >= this.length) return Number.POSITIVE_INFINITY;
    const end = Math.min(this.length, this.pos + this.#readRows);
    this.#start = this.pos;
    this.#values = this.source.values.read(this.pos, end);
    this.#steps = this.source.steps
      ? this.source.steps.read(this.pos, end)
      : Float64Array.from({ length: end - this.pos }, (_, k) => this.pos + k);
    return this.#steps[0] as number;
  }

  /** The value of row `pos`; call after {@link step}. */
  value(): number {
    return this.#values[this.pos - this.#start] as number;
  }
}

/** The rows of a writer that have both a value and a step. */
function lengthOf(s: MergeSource): number {
  return Math.min(s.values.length, s.steps?.length ?? Number.POSITIVE_INFINITY);
}

function allocate(rows: number): MergedRows {
  return {
    step: new Float64Array(rows),
    mean: new Float64Array(rows),
    lo: new Float64Array(rows),
    hi: new Float64Array(rows),
    count: new Float64Array(rows),
  };
}

function slice(rows: MergedRows, start: number, end: number): MergedRows {
  return {
    step: rows.step.subarray(start, end),
    mean: rows.mean.subarray(start, end),
    lo: rows.lo.subarray(start, end),
    hi: rows.hi.subarray(start, end),
    count: rows.count.subarray(start, end),
  };
}

/** The values gathered at one step. */
let gathered = new Float64Array(64);

/** Merge up to `max` rows from the cursors into `out` from index `at`; returns how many. */
function mergeRows(cursors: readonly Cursor[], max: number, out: MergedRows, at: number): number {
  let made = 0;
  while (made < max) {
    let here = Number.POSITIVE_INFINITY;
    for (const c of cursors) {
      const s = c.step();
      if (s < here) here = s;
    }
    if (here === Number.POSITIVE_INFINITY) break;
    let n = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const c of cursors) {
      let s = c.step();
      // A writer may log a step more than once: each of its rows counts.
      while (s === here) {
        const v = c.value();
        if (!Number.isNaN(v)) {
          if (n === gathered.length) {
            const grown = new Float64Array(n * 2);
            grown.set(gathered);
            gathered = grown;
          }
          gathered[n++] = v;
          if (v - v === 0) {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
        c.pos++;
        s = c.step();
      }
      if (!(s > here)) {
        if (Number.isNaN(s) || Number.isNaN(here))
          throw new StepsOutOfOrder(
            `writer ${c.source.writer}: ${c.source.values.name} row ${c.pos} has step ${s}; the mean across writers needs steps that are numbers`,
          );
        throw new Unsorted(c.source.writer);
      }
    }
    const i = at + made++;
    out.step[i] = here;
    out.mean[i] = n === 0 ? Number.NaN : n === 1 ? (gathered[0] as number) : exactSum(gathered, n) / n;
    out.lo[i] = lo <= hi ? lo : Number.NaN;
    out.hi[i] = lo <= hi ? hi : Number.NaN;
    out.count[i] = n;
  }
  return made;
}

/** What a merge went through, per writer: so that the next update merges only what changed. */
interface Seen {
  origin: object;
  generation: number;
  length: number;
}

type Columns = "step" | "mean" | "lo" | "hi";

function pyramidsOf(blockRows: number): Record<Columns, Pyramid> {
  return {
    step: new Pyramid(null, blockRows),
    mean: new Pyramid(null, blockRows),
    lo: new Pyramid(null, blockRows),
    hi: new Pyramid(null, blockRows),
  };
}

/** `source` read whole and sorted by step, stably, as columns in memory. */
function sortedCopy(source: MergeSource, length: number): MergeSource {
  const steps = (source.steps as Column).read(0, length);
  const values = source.values.read(0, length);
  const order = Uint32Array.from({ length }, (_, i) => i).sort((a, b) => (steps[a] as number) - (steps[b] as number) || a - b);
  const sortedSteps = Float64Array.from(order, (i) => steps[i] as number);
  const sortedValues = Float64Array.from(order, (i) => values[i] as number);
  const column = (name: string, data: Float64Array): Column => ({ name, length, read: (start, end) => data.slice(start, end) });
  return { ...source, values: column(source.values.name, sortedValues), steps: column((source.steps as Column).name, sortedSteps) };
}

export class MergedSeries {
  /** Unique in the server. */
  readonly key: string;
  readonly #fineMax: number;
  #rows = 0;
  #sources: MergeSource[] = [];
  #lengths: number[] = [];
  #seen = new Map<string, Seen>();
  /** Writers whose steps go back: merged from sorted copies (the last one kept while the writer has not grown). */
  #unsorted = new Map<string, MergeSource | null>();
  /** Rows per block: of the pyramids, and between checkpoints. */
  #block = FINE_ROWS;
  #pyramids = pyramidsOf(FINE_ROWS);
  /** Pyramids of the smoothed mean, by weight, fed by the same merges. */
  #smoothed = new Map<number, Pyramid>();
  /** Per writer, where it stands at the start of each block of merged rows. */
  #marks = new Map<string, Float64Array>();
  #memo: { start: number; end: number; rows: MergedRows }[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  /** The merged rows as columns, for query.ts. */
  readonly step: Column;
  readonly mean: Column;
  readonly lo: Column;
  readonly hi: Column;
  /** Its pyramids, as queries ask for them: of the raw columns, and of the mean smoothed with a weight given to {@link update}. */
  readonly pyramids: PyramidSource;

  /** @param fineMax steps beyond which blocks grow to BLOCK_ROWS (tests lower it) */
  constructor(key: string, fineMax = FINE_MAX) {
    this.key = key;
    this.#fineMax = fineMax;
    const self = this;
    const own = new Map<Column, Columns>();
    const column = (name: Columns): Column => {
      const col: Column = {
        name,
        get length() {
          return self.#rows;
        },
        read: (start, end) => self.read(start, end)[name],
      };
      own.set(col, name);
      return col;
    };
    this.step = column("step");
    this.mean = column("mean");
    this.lo = column("lo");
    this.hi = column("hi");
    this.pyramids = {
      get blockRows() {
        return self.#block;
      },
      async get(_key, col, _rows, weight = null) {
        const found = weight === null ? self.#pyramids[own.get(col) as Columns] : self.#smoothed.get(weight);
        if (!found) throw new Error(`no pyramid of ${col.name}${weight === null ? "" : ` smoothed with ${weight}`}: update() first`);
        return found;
      },
    };
  }

  /** Merged rows (one per step). */
  get rows(): number {
    return this.#rows;
  }

  /** The writers merged, sorted. */
  get writers(): string[] {
    return this.#sources.map((s) => s.writer);
  }

  /** Bytes held, for the store's budget. */
  get bytes(): number {
    let total = 0;
    for (const m of this.#marks.values()) total += m.byteLength;
    for (const p of this.#all()) total += p.bytes;
    return total;
  }

  /** Run `fn` alone: an update rewinds what a query reads, so they take turns. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Bring the merge up to the writers' rows now (`sources` sorted by writer), with a pyramid of
   * the mean smoothed with `weight` when one is given. Call within {@link exclusive}.
   */
  async update(sources: readonly MergeSource[], weight: number | null = null): Promise<void> {
    for (;;) {
      try {
        return await this.#update(sources, weight);
      } catch (err) {
        if (!(err instanceof Unsorted) || this.#unsorted.has(err.writer)) throw err;
        this.#unsorted.set(err.writer, null); // one more pass, this writer from a sorted copy
      }
    }
  }

  async #update(given: readonly MergeSource[], weight: number | null): Promise<void> {
    const unsortedGrew = given.some((s) => this.#unsorted.has(s.writer) && this.#seen.get(s.writer)?.length !== lengthOf(s));
    const sources = given.map((s) => {
      if (!this.#unsorted.has(s.writer) || !s.steps) return s;
      const kept = this.#unsorted.get(s.writer);
      if (kept && kept.origin === s.origin && kept.generation === s.generation && kept.values.length === lengthOf(s)) return kept;
      const copy = sortedCopy(s, lengthOf(s));
      this.#unsorted.set(s.writer, copy);
      return copy;
    });
    const lengths = sources.map(lengthOf);
    const names = new Set(sources.map((s) => s.writer));
    let rebuild = unsortedGrew || [...this.#seen.keys()].some((w) => !names.has(w));
    let smallest = Number.POSITIVE_INFINITY;
    sources.forEach((s, k) => {
      const seen = this.#seen.get(s.writer);
      const length = lengths[k] as number;
      if (seen && (seen.origin !== s.origin || seen.generation !== s.generation || length < seen.length)) rebuild = true;
      const from = seen?.length ?? 0;
      if (length > from) smallest = Math.min(smallest, s.steps ? (s.steps.read(from, from + 1)[0] as number) : from);
    });
    const fresh = weight !== null && !this.#smoothed.has(weight);
    if (fresh) this.#addWeight(weight);
    else if (weight !== null) this.#useWeight(weight);
    if (!rebuild && !fresh && smallest === Number.POSITIVE_INFINITY) return;
    if (fresh || Number.isNaN(smallest)) rebuild = true; // a step that is not a number: the merge says so
    this.#sources = [...sources];
    this.#lengths = lengths;
    this.#seen = new Map(sources.map((s, k) => [s.writer, { origin: s.origin, generation: s.generation, length: lengths[k] as number }]));
    this.#memo = [];
    try {
      await this.#mergeFrom(rebuild ? 0 : this.#blockBefore(smallest));
      if (this.#rows > this.#fineMax && this.#block === FINE_ROWS) {
        this.#block = BLOCK_ROWS;
        this.#pyramids = pyramidsOf(BLOCK_ROWS);
        for (const w of this.#smoothed.keys()) this.#smoothed.set(w, new Pyramid(w, BLOCK_ROWS));
        this.#marks.clear();
        await this.#mergeFrom(0);
      }
    } catch (err) {
      // Merged anew next time.
      this.#seen.clear();
      for (const p of this.#all()) p.rewind(0);
      this.#rows = 0;
      throw err;
    }
  }

  #all(): Pyramid[] {
    return [...Object.values(this.#pyramids), ...this.#smoothed.values()];
  }

  #addWeight(weight: number): void {
    this.#smoothed.set(weight, new Pyramid(weight, this.#block));
    for (const w of this.#smoothed.keys()) if (this.#smoothed.size > WEIGHTS) this.#smoothed.delete(w);
  }

  /** The most recently used weight goes last. */
  #useWeight(weight: number): void {
    const p = this.#smoothed.get(weight) as Pyramid;
    this.#smoothed.delete(weight);
    this.#smoothed.set(weight, p);
  }

  /** The last block whose first step lies before `step` (its rows and the checkpoint at its start stay as they are). */
  #blockBefore(step: number): number {
    const p = this.#pyramids.step;
    let lo = 0;
    let hi = p.blocks; // the answer is the last block in [0, hi) with firstOf < step, or 0
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p.firstOf(mid) < step) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  /** Merge everything from the start of block `block` on, recording checkpoints and feeding the pyramids. */
  async #mergeFrom(block: number): Promise<void> {
    const size = this.#block;
    const start = block * size;
    for (const p of this.#all()) p.rewind(start);
    const cursors = this.#cursors(block, READ_ROWS);
    const out = allocate(FEED_ROWS);
    let row = start;
    for (;;) {
      let filled = 0;
      let done = false;
      while (filled < FEED_ROWS && !done) {
        this.#mark((row + filled) / size, cursors);
        const made = mergeRows(cursors, size, out, filled);
        filled += made;
        done = made < size;
      }
      const chunk = slice(out, 0, filled);
      for (const name of ["step", "mean", "lo", "hi"] as const) this.#pyramids[name].feed(chunk[name]);
      for (const p of this.#smoothed.values()) p.feed(chunk.mean);
      row += filled;
      this.#rows = row;
      if (done) return;
      await yieldToLoop();
    }
  }

  #mark(block: number, cursors: readonly Cursor[]): void {
    for (const c of cursors) {
      let marks = this.#marks.get(c.source.writer);
      if (!marks || marks.length <= block) {
        const grown = new Float64Array(Math.max(64, (block + 1) * 2));
        if (marks) grown.set(marks);
        marks = grown;
        this.#marks.set(c.source.writer, marks);
      }
      marks[block] = c.pos;
    }
  }

  /** Cursors where the writers stand at the start of block `block` (a writer that joined since: its first row). */
  #cursors(block: number, readRows: number): Cursor[] {
    return this.#sources.map(
      (s, k) => new Cursor(s, this.#lengths[k] as number, block === 0 ? 0 : (this.#marks.get(s.writer)?.[block] ?? 0), readRows),
    );
  }

  /** Merged rows `start..end` (within {@link rows}), merged again from the checkpoint before them. */
  read(start: number, end: number): MergedRows {
    const hit = this.#memo.find((m) => m.start <= start && end <= m.end);
    if (hit) return slice(hit.rows, start - hit.start, end - hit.start);
    const block = Math.floor(start / this.#block);
    const from = block * this.#block;
    const out = allocate(end - from);
    // Read no more of each writer than this range needs, at most what the full merge reads at a time.
    const made = mergeRows(this.#cursors(block, Math.min(READ_ROWS, end - from + 64)), end - from, out, 0);
    const rows = slice(out, start - from, made);
    this.#memo.unshift({ start, end: from + made, rows });
    this.#memo.length = Math.min(this.#memo.length, MEMO);
    return rows;
  }
}
