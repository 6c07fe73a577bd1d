/**
 * `h5logger export FILE [NAME...] --csv | --jsonl [-o OUT]`: series side by side, streamed a
 * block of rows at a time with constant memory, aligned on their shared step column when
 * every series has one (see FORMAT.md: `NAME.step`), else on the row index.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { DatasetView, H5Reader } from "../index.js";
import { type Command, fileArgument, type Io, timeoutOf, UsageError, type Values, write } from "./command.js";
import { csvCell, jsonValue } from "./format.js";
import { openForReading, selectSeries } from "./open.js";
import { Progress } from "./progress.js";

/** Bytes of rows read at a time from each series. */
const BLOCK_BYTES = 1 << 20;
/** Output text gathered before it is written. */
const CHUNK_CHARS = 1 << 16;

/** Reads one dataset a block at a time. */
class Cursor {
  readonly view: DatasetView;
  readonly rowShape: number[];
  readonly #blockRows: number;
  #rows: ArrayLike<unknown> = [];
  #start = 0;
  /** Index of the next row. */
  next = 0;

  constructor(view: DatasetView) {
    this.view = view;
    this.rowShape = view.shape.slice(1);
    const rowBytes = Math.max(1, this.rowShape.reduce((a, b) => a * b, 1) * 8);
    this.#blockRows = Math.max(1, Math.floor(BLOCK_BYTES / rowBytes));
  }

  get done(): boolean {
    return this.next >= this.view.length;
  }

  /** The next row, without moving on. */
  peek(): unknown {
    const offset = this.next - this.#start;
    if (offset < 0 || offset >= this.#rows.length) {
      this.#start = this.next;
      this.#rows = this.view.slice(this.next, this.next + this.#blockRows) as ArrayLike<unknown>;
    }
    return this.#rows[this.next - this.#start];
  }
}

/** One series and, when aligning on steps, its step column. */
interface Column {
  name: string;
  values: Cursor;
  steps: Cursor | null;
}

/** The step column of a series: its own, or for a companion (`loss.time`) its base's. */
export function stepsOf(reader: H5Reader, name: string): DatasetView | null {
  const base = name.replace(/\.(step|time)$/, "");
  for (const candidate of [`${name}.step`, `${base}.step`]) if (candidate !== name && reader.has(candidate)) return reader.get(candidate);
  return null;
}

interface Format {
  header(key: string, columns: Column[]): string;
  row(key: string, keyValue: string | number, cells: (unknown | undefined)[], columns: Column[]): string;
}

const CSV: Format = {
  header: (key, columns) => `${[key, ...columns.map((c) => csvCell(c.name, []))].join(",")}\n`,
  row: (_, keyValue, cells, columns) =>
    `${[String(keyValue), ...cells.map((v, k) => (v === undefined ? "" : csvCell(v, columns[k]?.values.rowShape ?? [], columns[k]?.values.view.dtype)))].join(",")}\n`,
};

const JSONL: Format = {
  header: () => "",
  row: (key, keyValue, cells, columns) => {
    const record: Record<string, unknown> = { [key]: keyValue };
    cells.forEach((v, k) => {
      const column = columns[k];
      if (v !== undefined && column) record[column.name] = jsonValue(v, column.values.rowShape, column.values.view.dtype);
    });
    return `${JSON.stringify(record)}\n`;
  },
};

async function exportRows(columns: Column[], byStep: boolean, format: Format, out: Writable, progress: Progress): Promise<void> {
  const key = byStep ? "step" : "row";
  let text = format.header(key, columns);
  const flush = async () => {
    await write(out, text);
    text = "";
  };
  const cells: (unknown | undefined)[] = new Array(columns.length);
  for (let row = 0; ; row++) {
    // The key of the next output row: the row index, or the smallest next step.
    let keyValue: bigint | number | null = null;
    for (const c of columns) {
      if (c.values.done) continue;
      const k = byStep ? (c.steps?.peek() as bigint) : row;
      if (keyValue === null || k < keyValue) keyValue = k;
    }
    if (keyValue === null) break;
    let taken = 0;
    columns.forEach((c, i) => {
      const here = !c.values.done && (byStep ? c.steps?.peek() === keyValue : true);
      cells[i] = here ? c.values.peek() : undefined;
      if (here) {
        c.values.next++;
        if (c.steps) c.steps.next++;
        taken++;
      }
    });
    text += format.row(key, typeof keyValue === "bigint" ? (jsonValue(keyValue, []) as number | string) : keyValue, cells, columns);
    progress.advance(taken);
    if (text.length >= CHUNK_CHARS) await flush();
  }
  await flush();
}

/** Checks --csv/--jsonl, --by and -o; returns the output file, or null for stdout. */
export function checkExportOptions(values: Values, file: string): string | null {
  if (values.csv === values.jsonl) throw new UsageError("export needs one of --csv or --jsonl");
  if (values.by !== undefined && values.by !== "step" && values.by !== "row")
    throw new UsageError(`--by must be step or row, got ${JSON.stringify(values.by)}`);
  const output = typeof values.output === "string" ? values.output : null;
  if (output !== null && path.resolve(output) === path.resolve(file)) throw new UsageError("-o must not be the FILE being exported");
  return output;
}

/** A series to export: its column's name, its rows, and its step column if it has one. */
export interface ExportSeries {
  name: string;
  view: DatasetView;
  steps: DatasetView | null;
}

/** Export `series` side by side, aligned on steps when each has a step column (or `--by step`), else on rows. */
export async function exportSeries(series: ExportSeries[], values: Values, output: string | null, io: Io): Promise<void> {
  const byStep = values.by === "step" || (values.by === undefined && series.length > 0 && series.every((s) => s.steps !== null));
  const stepless = series.filter((s) => s.steps === null).map((s) => s.name);
  if (byStep && stepless.length > 0) throw new UsageError(`--by step: ${stepless[0]} has no step column`);
  if (values.by === undefined && stepless.length > 0 && stepless.length < series.length) {
    // Some series have steps and some do not: lining them up by row puts rows of different steps side by side.
    io.stderr.write(
      `h5logger: lined up by row index, not by step: ${stepless.join(", ")} ${stepless.length === 1 ? "has" : "have"} no step column. Rows of the same index may belong to different steps; export the stepped series on their own to line them up by step, or pass --by row to say row index is meant\n`,
    );
  }
  const columns: Column[] = series.map((s) => ({
    name: s.name,
    values: new Cursor(s.view),
    steps: byStep && s.steps ? new Cursor(s.steps) : null,
  }));
  const total = series.reduce((n, s) => n + s.view.length, 0);
  const out = output === null ? io.stdout : fs.createWriteStream(output);
  const progress = new Progress(io.stderrIsTTY ? io.stderr : null, total, "rows");
  try {
    await exportRows(columns, byStep, values.csv ? CSV : JSONL, out, progress);
  } finally {
    progress.done();
    if (out !== io.stdout) {
      out.end();
      await finished(out);
    }
  }
}

export const exportCommand: Command = {
  name: "export",
  summary: "series side by side as CSV or JSON lines, streamed with constant memory",
  help: `Usage: h5logger export FILE [NAME...] (--csv | --jsonl) [-o OUT]
       h5logger export RUN [NAME...] (--csv | --jsonl) [-o OUT]

Series NAME (default: every dataset but step/time companions) side by side, one line per
step when every series has a step column (NAME.step, see FORMAT.md): a series without a row
at a step leaves its cell empty. Otherwise one line per row index. Arrays are written as
numpy prints them (CSV) or as nested arrays (JSON lines). Rows are read a block at a time, so
memory stays flat on files of any size; a progress bar goes to stderr when it is a terminal.

A run folder RUN: one column per writer and series, WRITER/NAME, aligned on step (NAME
selects a series in every writer that has it, WRITER/NAME one writer's).

Options:
  --csv          comma-separated values with a header line
  --jsonl        one JSON object per line
  --by KEY       align on "step" or "row" (default: step when every series has one)
  -o, --output OUT  write to OUT instead of stdout
  --timeout MS   wait up to MS for FILE to exist and become readable (default: a missing file fails at once)
  -h, --help     this text
`,
  options: {
    csv: { type: "boolean" },
    jsonl: { type: "boolean" },
    by: { type: "string" },
    output: { type: "string", short: "o" },
    timeout: { type: "string" },
  },
  async run(values, positionals, io) {
    const file = fileArgument("export", positionals);
    const output = checkExportOptions(values, file);
    const reader = await openForReading(file, { timeout: timeoutOf(values) });
    try {
      const series = selectSeries(reader, positionals.slice(1), io.stderr).filter((v) => v.shape.length > 0);
      await exportSeries(
        series.map((view) => ({ name: view.name, view, steps: stepsOf(reader, view.name) })),
        values,
        output,
        io,
      );
    } finally {
      reader.close();
    }
    return 0;
  },
};
