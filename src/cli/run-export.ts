/**
 * `h5logger export RUN [NAME...] --csv | --jsonl`: one column per writer and series
 * (`w0/loss`, `w1/loss`), side by side, aligned on step as export.ts aligns a file's series.
 *
 * @module
 */
import type { H5Run } from "../index.js";
import type { Io, Values } from "./command.js";
import { exportSeries, stepsOf } from "./export.js";
import { selectRunSeries } from "./run-open.js";

export async function exportRun(run: H5Run, names: string[], values: Values, output: string | null, io: Io): Promise<void> {
  const series = selectRunSeries(run, names, io.stderr).filter((s) => s.view.shape.length > 0);
  await exportSeries(
    series.map((s) => ({ name: s.label, view: s.view, steps: stepsOf(s.reader, s.name) })),
    values,
    output,
    io,
  );
}
