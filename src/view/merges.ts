/**
 * The series across a run's writers that requests ask for (`agg=mean`): which writers a merge
 * takes, and the merges kept in memory within a byte budget, the least recently used going
 * first (a merge dropped is merged anew by the next request that needs it).
 *
 * @module
 */
import type { Catalog, Run } from "./catalog.js";
import { MergedSeries, type MergeSource, StepsOutOfOrder } from "./merged.js";
import { ApiError, nameParam, runTarget } from "./params.js";

/** How a merge lines writers up: every writer with a step column by its steps, the others by row index. */
export type Alignment = "step" | "row" | "mixed";

/** A run's series across its writers, brought up to date. */
export interface MergeTarget {
  run: Run;
  name: string;
  merged: MergedSeries;
  alignedOn: Alignment;
  /** The x of the merged rows: `step` when any writer has steps, else `row`. */
  x: "step" | "row";
}

export class MergeStore {
  readonly budget: number;
  readonly #entries = new Map<string, MergedSeries>();

  /** @param budget bytes of checkpoints and pyramids kept across every merge. @default 64 MiB */
  constructor(budget = 64 << 20) {
    this.budget = budget;
  }

  /**
   * The merge of `run=ID&name=NAME` across the writers that have it, up to date (with its mean
   * smoothed with `weight`, when given), and `use` run on it alone (no update rewinds it meanwhile).
   */
  async with<T>(catalog: Catalog, q: URLSearchParams, use: (t: MergeTarget) => Promise<T> | T, weight: number | null = null): Promise<T> {
    const run = runTarget(catalog, q);
    const name = nameParam(q);
    const sources = sourcesOf(run, name);
    const withSteps = sources.filter((s) => s.steps !== null).length;
    const alignedOn: Alignment = withSteps === sources.length ? "step" : withSteps === 0 ? "row" : "mixed";
    const x = withSteps > 0 ? "step" : "row";
    const asked = q.get("x");
    if (asked !== null && asked !== x)
      throw new ApiError(400, `the mean across writers of ${name} is by ${x === "step" ? "step" : "row index"}: give x=${x}, or none`);
    const key = `agg\0${run.id}\0${name}`;
    let merged = this.#entries.get(key);
    if (merged) this.#entries.delete(key); // most recently used goes last
    merged ??= new MergedSeries(key);
    this.#entries.set(key, merged);
    const m = merged;
    const answer = await m.exclusive(async () => {
      try {
        await m.update(sources, weight);
      } catch (err) {
        if (err instanceof StepsOutOfOrder) throw new ApiError(409, err.message);
        throw err;
      }
      return use({ run, name, merged: m, alignedOn, x });
    });
    this.#evict();
    return answer;
  }

  #evict(): void {
    let total = 0;
    for (const m of this.#entries.values()) total += m.bytes;
    for (const [key, m] of this.#entries) {
      if (total <= this.budget || this.#entries.size <= 1) break;
      total -= m.bytes;
      this.#entries.delete(key);
    }
  }
}

/** The writers of `run` that have `name` as a series of numbers, sorted by writer. */
function sourcesOf(run: Run, name: string): MergeSource[] {
  const sources: MergeSource[] = [];
  let other: string | null = null;
  for (const w of run.writers) {
    const info = w.file.error === null ? w.file.series.find((s) => s.name === name) : undefined;
    if (!info) continue;
    const values = w.file.column(name);
    if (!values) {
      other = `${w.name} (dtype ${info.dtype}, row shape [${info.shape}])`;
      continue;
    }
    const steps = info.hasStep ? w.file.column(`${name}.step`) : null;
    sources.push({ writer: w.name, values, steps, origin: w.file, generation: w.file.generation });
  }
  if (sources.length === 0) {
    if (other) throw new ApiError(400, `${name} is not a series of numbers in writer ${other}`);
    throw new ApiError(404, `no writer of run ${run.name} has a series ${JSON.stringify(name)}`);
  }
  return sources;
}
