/**
 * `h5logger stats RUN [NAME...]`: each writer's series as `writer/name` rows, and after the
 * rows of a series the aggregate across writers, in a row named with `*` for the writer (a
 * star, a slash, the series' name): every writer's values pooled (count, NaNs, min, max, mean, standard deviation, merged from each writer's
 * one-pass statistics), the mean across writers at the last step, and a sparkline of that
 * mean per step (`H5Run.aggregate`).
 *
 * @module
 */
import type { H5Run, RunAggregate } from "../index.js";
import type { Io } from "./command.js";
import { isNumericSeries } from "./open.js";
import { type RunSeries, selectRunSeries } from "./run-open.js";
import { report, type SeriesStats, seriesStats, sparkline } from "./stats.js";

/** The aggregate row of a series: `SeriesStats` with how many writers and steps it covers. */
export interface AggregateStats extends SeriesStats {
  writers: number;
  steps: number;
}

/** Pooled statistics of several writers' (Chan et al.'s merge of counts, means and sums of squares). */
function pooled(name: string, parts: SeriesStats[], agg: RunAggregate, width: number): AggregateStats {
  const out: AggregateStats = { name, count: 0, writers: parts.length, steps: agg.step.length, nan: 0 };
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const p of parts) {
    out.count += p.count;
    out.nan = (out.nan ?? 0) + (p.nan ?? 0);
    const k = p.count - (p.nan ?? 0);
    if (k === 0 || p.mean === undefined || p.std === undefined) continue;
    const delta = p.mean - mean;
    const total = n + k;
    mean += (delta * k) / total;
    m2 += p.std * p.std * k + (delta * delta * n * k) / total;
    n = total;
    out.min = Math.min(out.min ?? Number.POSITIVE_INFINITY, p.min ?? Number.POSITIVE_INFINITY);
    out.max = Math.max(out.max ?? Number.NEGATIVE_INFINITY, p.max ?? Number.NEGATIVE_INFINITY);
  }
  if (n > 0) Object.assign(out, { mean, std: Math.sqrt(m2 / n) });
  if (agg.step.length > 0) out.last = agg.mean[agg.step.length - 1];
  out.sparkline = meanLine(agg.mean, width);
  return out;
}

/** The per-step mean as a sparkline: the mean of each of up to `width` equal stretches of steps. */
function meanLine(means: Float64Array, width: number): string {
  const stretches = Math.min(width, means.length);
  const sums = new Float64Array(stretches);
  const counts = new Float64Array(stretches);
  means.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    const k = Math.floor((i * stretches) / means.length);
    sums[k] = (sums[k] ?? 0) + v;
    counts[k] = (counts[k] ?? 0) + 1;
  });
  const values = Array.from(sums, (s, k) => ((counts[k] ?? 0) > 0 ? s / (counts[k] ?? 1) : Number.NaN));
  const finite = values.filter((v) => !Number.isNaN(v));
  return sparkline(values, Math.min(...finite), Math.max(...finite));
}

export async function statsRun(run: H5Run, names: string[], width: number, json: boolean, io: Io): Promise<void> {
  const series = selectRunSeries(run, names, io.stderr);
  // Series by name, in the order first met; the aggregate row follows a series' writers.
  const byName = new Map<string, RunSeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const rows: SeriesStats[] = [];
  for (const [name, group] of byName) {
    const parts = group.map((s) => ({ ...seriesStats(s.view, width), name: s.label }));
    rows.push(...parts);
    const numeric = group.every((s) => isNumericSeries(s.view));
    // Only when every writer that has the series is selected: the aggregate covers them all.
    const all = run.writers.filter((w) => group.some((s) => s.writer === w)).length === writersWith(run, name);
    if (numeric && all) rows.push(pooled(`*/${name}`, parts, run.aggregate(name), width));
  }
  await report(rows, json, io);
}

function writersWith(run: H5Run, name: string): number {
  return run.writers.filter((w) => {
    try {
      return run.reader(w).has(name);
    } catch {
      return false;
    }
  }).length;
}
