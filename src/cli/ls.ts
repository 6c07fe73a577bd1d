/**
 * `h5logger ls FILE`: every dataset with its rows, row shape, type, bytes on disk and, for a
 * series of scalars, its last value; then the file's attributes.
 *
 * @module
 */
import type { DatasetView, H5Reader } from "../index.js";
import { type Command, fileArgument, type Io, timeoutOf, UsageError, write } from "./command.js";
import { clip, formatBytes, formatScalar, jsonable } from "./format.js";
import { isReadable, openForReading } from "./open.js";
import { style } from "./style.js";

/** One dataset as `ls --json` reports it. */
export interface Listing {
  name: string;
  /** Rows; `null` for a rank-0 dataset (a single value). */
  rows: number | null;
  rowShape: number[];
  /** h5logger's dtype name, or the stored type when h5logger does not read it. */
  dtype: string;
  /** The stored type in numpy's notation (`<f8`, `|u1`, `|O`). */
  storedType: string;
  /** Allocated bytes in the file; `null` when HDF5 alone knows (a compressed dataset). */
  bytesOnDisk: number | null;
  /** The last value of a series of scalars (or a rank-0 dataset's value), as JSON holds it. */
  last?: unknown;
}

export function listing(view: DatasetView): Listing {
  const scalar = view.shape.length === 0;
  const entry: Listing = {
    name: view.name,
    rows: scalar ? null : view.length,
    rowShape: view.shape.slice(1),
    dtype: view.dtype ?? view.storedType,
    storedType: view.storedType,
    bytesOnDisk: view.storageBytes,
  };
  if (isReadable(view) && view.shape.length <= 1 && (scalar || view.length > 0)) {
    entry.last = scalar ? (view.value as ArrayLike<unknown>)[0] : view.at(-1);
  }
  return entry;
}

async function list(reader: H5Reader, json: boolean, io: Io): Promise<void> {
  const entries = reader.keys().map((name) => listing(reader.get(name)));
  const attributes = reader.attrs;
  if (json) {
    await write(io.stdout, `${JSON.stringify(jsonable({ file: reader.filename, attributes, datasets: entries }), null, 2)}\n`);
    return;
  }
  await write(io.stdout, listingTable(entries, attributes, io));
}

/** The table of datasets, then the attributes, as `ls` prints them (run-ls.ts too). */
export function listingTable(entries: Listing[], attributes: Record<string, unknown>, io: Io): string {
  const s = style(io.color);
  const rows = entries.map((e) => [
    e.name,
    e.rows === null ? "scalar" : String(e.rows),
    `(${e.rowShape.join(", ")}${e.rowShape.length === 1 ? "," : ""})`,
    e.dtype,
    e.bytesOnDisk === null ? "compressed" : formatBytes(e.bytesOnDisk),
    e.last === undefined ? "" : clip(formatScalar(e.last, e.dtype)),
  ]);
  const header = ["dataset", "rows", "row shape", "dtype", "on disk", "last"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  // Names and text left-aligned, numbers right-aligned, as in a spreadsheet.
  const cell = (text: string, c: number) => (c === 1 || c === 4 ? text.padStart(widths[c] ?? 0) : text.padEnd(widths[c] ?? 0));
  const line = (r: string[]) => r.map(cell).join("  ").trimEnd();
  let out = `${s.bold(line(header))}\n`;
  for (const r of rows)
    out += `${`${s.name(cell(r[0] ?? "", 0))}  ${r
      .slice(1)
      .map((t, i) => cell(t, i + 1))
      .join("  ")}`.trimEnd()}\n`;
  if (entries.length === 0) out += s.dim("(no datasets)\n");
  const names = Object.keys(attributes);
  if (names.length > 0) {
    out += `\n${s.bold("attributes")}\n`;
    const width = Math.max(...names.map((n) => n.length));
    for (const name of names) out += `  ${name.padEnd(width)}  ${JSON.stringify(jsonable(attributes[name]))}\n`;
  }
  return out;
}

export const ls: Command = {
  name: "ls",
  summary: "every dataset: rows, row shape, dtype, bytes on disk, last value; file attributes",
  help: `Usage: h5logger ls FILE [--json]
       h5logger ls RUN | LOGDIR [--json]

Every dataset of FILE with its rows, row shape, dtype, bytes on disk and, for a series of
scalars, its last value; then the file's attributes. Works while the file is written.

A run folder RUN (each writer's file in it, see "Runs" in the README): each writer and its
state (live, closed, crashed, unreadable), every writer's datasets as WRITER/NAME, and the
run's attributes. A folder of runs LOGDIR: its runs, with their writers.

Options:
  --json         one JSON document instead of a table
  --timeout MS   wait up to MS for FILE to exist and become readable (default 0)
  -h, --help     this text
`,
  options: { json: { type: "boolean" }, timeout: { type: "string" } },
  async run(values, positionals, io) {
    const file = fileArgument("ls", positionals);
    if (positionals.length > 1) throw new UsageError("ls takes one FILE");
    const reader = await openForReading(file, { timeout: timeoutOf(values) });
    try {
      await list(reader, values.json === true, io);
    } finally {
      reader.close();
    }
    return 0;
  },
};
