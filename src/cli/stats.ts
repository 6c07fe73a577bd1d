/**
 * `h5logger stats FILE [NAME...]`: count, NaN count, min, max, mean, standard deviation and
 * last value of each series of scalars, and a sparkline of its course, computed in one pass
 * over the rows, a block at a time, so that memory stays flat on any length.
 *
 * @module
 */
import type { DatasetView } from "../index.js";
import { type Command, fileArgument, type Io, timeoutOf, count as wholeNumber, write } from "./command.js";
import { clip, formatScalar, formatStatistic, jsonable } from "./format.js";
import { isNumericSeries, openForReading, selectSeries } from "./open.js";
import { style } from "./style.js";

/** Rows read at a time. */
const BLOCK_ROWS = 65536;
/** The sparkline's levels, lowest first. */
const BARS = "▁▂▃▄▅▆▇█";

/** What `stats` reports for one series. */
export interface SeriesStats {
  name: string;
  /** Rows. */
  count: number;
  /** Rows that are NaN (left out of every other statistic). */
  nan?: number;
  min?: number;
  max?: number;
  mean?: number;
  /** Population standard deviation (numpy's default, ddof = 0). */
  std?: number;
  /** The last row. */
  last?: unknown;
  /** The series' course: the mean of each of up to `width` equal stretches, as block characters. */
  sparkline?: string;
}

/**
 * Statistics of one series in a single pass: Welford's update for mean and variance (exact
 * enough over billions of rows, unlike a running sum of squares), and per-stretch sums for
 * the sparkline (each row's stretch is known from its index, since the length is known).
 */
export function seriesStats(view: DatasetView, width: number): SeriesStats {
  const stats: SeriesStats = { name: view.name, count: view.length };
  if (view.length > 0 && view.shape.length === 1 && (view.dtype !== null || view.storedType.startsWith("|S"))) stats.last = view.at(-1);
  if (!isNumericSeries(view) || view.length === 0) return stats;
  const n = view.length;
  const stretches = Math.min(width, n);
  const sums = new Float64Array(stretches);
  const counts = new Float64Array(stretches);
  let nan = 0;
  let seen = 0;
  let mean = 0;
  let m2 = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let start = 0; start < n; start += BLOCK_ROWS) {
    const block = view.slice(start, start + BLOCK_ROWS) as ArrayLike<number | bigint>;
    for (let i = 0; i < block.length; i++) {
      const v = Number(block[i]);
      if (Number.isNaN(v)) {
        nan++;
        continue;
      }
      seen++;
      const delta = v - mean;
      mean += delta / seen;
      m2 += delta * (v - mean);
      if (v < min) min = v;
      if (v > max) max = v;
      const k = Math.floor(((start + i) * stretches) / n);
      sums[k] = (sums[k] ?? 0) + v;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  stats.nan = nan;
  if (seen === 0) return stats;
  Object.assign(stats, { min, max, mean, std: Math.sqrt(m2 / seen) });
  stats.sparkline = sparkline(
    Array.from(sums, (sum, k) => ((counts[k] ?? 0) > 0 ? sum / (counts[k] ?? 1) : Number.NaN)),
    min,
    max,
  );
  return stats;
}

/** Values as block characters between `min` and `max`; a stretch with no value is a space. */
export function sparkline(values: readonly number[], min: number, max: number): string {
  const span = max - min;
  return values
    .map((v) => {
      if (Number.isNaN(v)) return " ";
      if (!Number.isFinite(span) || span === 0) return BARS[Number.isFinite(v) ? 3 : v > 0 ? 7 : 0];
      const level = Math.round(((v - min) / span) * (BARS.length - 1));
      return BARS[Math.min(BARS.length - 1, Math.max(0, Number.isFinite(level) ? level : v > 0 ? 7 : 0))];
    })
    .join("");
}

export async function report(all: SeriesStats[], json: boolean, io: Io): Promise<void> {
  if (json) {
    await write(io.stdout, `${JSON.stringify(all.map(jsonable), null, 2)}\n`);
    return;
  }
  const s = style(io.color);
  const header = ["series", "count", "nan", "min", "max", "mean", "std", "last", "trend"];
  const num = (v: number | undefined) => (v === undefined ? "" : formatStatistic(v));
  const rows = all.map((x) => [
    x.name,
    String(x.count),
    x.nan === undefined ? "" : String(x.nan),
    num(x.min),
    num(x.max),
    num(x.mean),
    num(x.std),
    x.last === undefined ? "" : typeof x.last === "number" ? formatStatistic(x.last) : clip(formatScalar(x.last)),
    x.sparkline ?? "",
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  // The name and the sparkline left-aligned, the numbers right-aligned.
  const line = (r: string[], color: (c: number, t: string) => string) =>
    r
      .map((t, c) => color(c, c === 0 || c === r.length - 1 ? t.padEnd(widths[c] ?? 0) : t.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  let out = `${line(header, (_, t) => s.bold(t))}\n`;
  for (const r of rows) out += `${line(r, (c, t) => (c === 0 ? s.name(t) : t))}\n`;
  await write(io.stdout, out);
}

export const stats: Command = {
  name: "stats",
  summary: "count, NaNs, min, max, mean, std, last and a sparkline of each series",
  help: `Usage: h5logger stats FILE [NAME...] [--json] [--width N]
       h5logger stats RUN [NAME...] [--json] [--width N]

For each series NAME (default: every dataset but step/time companions): rows, NaN rows, min,
max, mean, standard deviation (population, as numpy's default), last value and a sparkline
of its course (the mean of each of N equal stretches), in one streaming pass over the rows.
Series of arrays or strings get their row count and last value only.

A run folder RUN: each writer's series as WRITER/NAME (NAME selects a series in every writer
that has it, WRITER/NAME one writer's), and after them the aggregate across writers as
*/NAME: every writer's values pooled (count, NaNs, min, max, mean, std), the mean across
writers at the last step, and a sparkline of that mean per step.

Options:
  --json         a JSON array instead of a table
  --width N      characters of the sparkline (default 24)
  --timeout MS   wait up to MS for FILE to exist and become readable (default 0)
  -h, --help     this text
`,
  options: { json: { type: "boolean" }, width: { type: "string" }, timeout: { type: "string" } },
  async run(values, positionals, io) {
    const file = fileArgument("stats", positionals);
    const width = Math.max(1, wholeNumber("--width", values.width, 24));
    const reader = await openForReading(file, { timeout: timeoutOf(values) });
    try {
      const all = selectSeries(reader, positionals.slice(1), io.stderr).map((view) => seriesStats(view, width));
      await report(all, values.json === true, io);
    } finally {
      reader.close();
    }
    return 0;
  },
};
