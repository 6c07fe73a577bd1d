/**
 * How the commands take a run folder (each writer's file in it) or a folder of runs instead
 * of a FILE, through the public run reader: what an argument names, and a run's series as
 * `writer/name` (`w0/train/loss`).
 *
 * @module
 */
import fs from "node:fs";
import type { Writable } from "node:stream";
import { type DatasetView, H5Logger, type H5Reader, H5Run, InvalidNameError } from "../index.js";
import { UsageError } from "./command.js";
import { isCompanion, isReadable } from "./open.js";

/** What a command's first argument names: a log file, a run folder, or a folder of runs (a log dir). */
export type Target = "file" | "run" | "runs";

/** What `arg` names. A folder that does not exist yet is a run when written with a trailing `/`. */
export function targetOf(arg: string): Target {
  const stat = fs.statSync(arg, { throwIfNoEntry: false });
  if (!stat) return arg.endsWith("/") ? "run" : "file";
  if (!stat.isDirectory()) return "file";
  return H5Run.isRun(arg) ? "run" : "runs";
}

/** A usage error for a command that takes one run, not a folder of runs. */
export function oneRunOnly(command: string, logdir: string): UsageError {
  const runs = H5Run.list(logdir).map((r) => r.name);
  const some = runs.length > 5 ? `${runs.slice(0, 5).join(", ")}, ...` : runs.join(", ");
  return new UsageError(
    `${logdir} is a folder of runs (${some}); ${command} takes one run: ${logdir.replace(/\/?$/, "/")}${runs[0] ?? "RUN"}`,
  );
}

/** Open a run for reading, waiting up to `timeout` ms for its folder. */
export function openRunForReading(folder: string, options: { timeout: number; signal?: AbortSignal }): Promise<H5Run> {
  return H5Logger.openRun(folder, { timeout: options.timeout, ...(options.signal ? { signal: options.signal } : {}) });
}

/** One writer's series in a run. */
export interface RunSeries {
  /** `writer/name`, as the commands print it. */
  label: string;
  writer: string;
  name: string;
  reader: H5Reader;
  view: DatasetView;
}

/**
 * A run's series named (`loss`: that series in every writer that has it; `w0/loss`: writer
 * w0's), or when none is: every readable series but companions of every writer, with a note to
 * `stderr` for those left out.
 */
export function selectRunSeries(run: H5Run, names: string[], stderr?: Writable): RunSeries[] {
  const writers = readableWriters(run, stderr);
  const of = (writer: string, name: string): RunSeries => {
    const reader = run.reader(writer);
    return { label: `${writer}/${name}`, writer, name, reader, view: reader.get(name) };
  };
  if (names.length === 0) {
    const all: RunSeries[] = [];
    for (const writer of writers) {
      const reader = run.reader(writer);
      for (const name of reader.keys()) if (!isCompanion(reader, name)) all.push(of(writer, name));
    }
    const series = all.filter((s) => s.view.shape.length > 0);
    const skipped = series.filter((s) => !isReadable(s.view));
    if (skipped.length > 0)
      stderr?.write(
        `h5logger: left out (a type h5logger does not read): ${skipped.map((s) => `${s.label} (${s.view.storedType})`).join(", ")}\n`,
      );
    return series.filter((s) => isReadable(s.view));
  }
  return names.flatMap((name) => {
    const slash = name.indexOf("/");
    const writer = slash > 0 ? name.slice(0, slash) : null;
    if (writer !== null && writers.includes(writer) && run.reader(writer).has(name.slice(slash + 1)))
      return [of(writer, name.slice(slash + 1))];
    const found = writers.filter((w) => run.reader(w).has(name)).map((w) => of(w, name));
    if (found.length === 0)
      throw new InvalidNameError(name, `no writer of run ${run.folder} has it (writers: ${writers.join(", ") || "none"})`);
    return found;
  });
}

/** The writers whose files can be read now; the others are named on `stderr` with the reason. */
export function readableWriters(run: H5Run, stderr?: Writable): string[] {
  return run.writers.filter((writer) => {
    try {
      run.reader(writer);
      return true;
    } catch (err) {
      stderr?.write(`h5logger: left out writer ${writer}: ${(err as Error).message}\n`);
      return false;
    }
  });
}

/** Run `fn` with the run open, closing it after. */
export async function withRun<T>(folder: string, timeout: number, fn: (run: H5Run) => Promise<T>): Promise<T> {
  const run = await openRunForReading(folder, { timeout });
  try {
    return await fn(run);
  } finally {
    run.close();
  }
}
