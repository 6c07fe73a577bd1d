/**
 * What the `h5logger` command does, one function per subcommand. Each writes to the stream
 * it is given and uses only the public reader API, like any other program would.
 *
 * @module
 */
import type { Writable } from "node:stream";
import { H5Logger } from "./logger.js";
import type { DatasetView, H5Reader, Rows } from "./reader.js";

/** Rows read at a time when a command walks a whole dataset. */
const BLOCK_ROWS = 65536;

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return JSON.stringify(value);
  if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    return `[${Array.from(value as ArrayLike<unknown>, formatValue).join(", ")}]`;
  }
  return String(value);
}

function rowsToStrings(rows: Rows): string[] {
  return Array.from(rows as ArrayLike<unknown>, formatValue);
}

/** `ls`: every dataset with its shape and type, like `h5ls -r`, also while a file is written. */
export function list(reader: H5Reader, out: Writable): void {
  const names = reader.keys();
  const width = Math.max(0, ...names.map((n) => n.length));
  for (const name of names) {
    const view = reader.get(name);
    const [rows, ...row] = view.shape;
    const shape = [`${rows}/Inf`, ...row].join(", ");
    out.write(`${name.padEnd(width)}  {${shape}}  ${view.storedType}\n`);
  }
}

/** `show`: rows `start..end` of one dataset, one per line with its index. */
export function show(reader: H5Reader, name: string, start: number, end: number | undefined, out: Writable): void {
  const view = reader.get(name);
  const from = start < 0 ? Math.max(0, view.length + start) : Math.min(start, view.length);
  const rows = rowsToStrings(view.slice(from, end ?? view.length));
  rows.forEach((row, i) => {
    out.write(`${from + i}\t${row}\n`);
  });
}

/** Count, min, max, mean and last value of a series of numbers, read block by block. */
export interface Summary {
  name: string;
  rows: number;
  type: string;
  min?: number;
  max?: number;
  mean?: number;
  last?: string;
}

function summarise(view: DatasetView): Summary {
  const summary: Summary = { name: view.name, rows: view.length, type: view.storedType };
  if (view.length > 0) summary.last = formatValue(view.at(-1));
  const numeric = view.shape.length === 1 && view.dtype !== null && view.dtype !== "string" && view.dtype !== "bool";
  if (!numeric || view.length === 0) return summary;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let counted = 0;
  for (let start = 0; start < view.length; start += BLOCK_ROWS) {
    const block = view.slice(start, start + BLOCK_ROWS) as ArrayLike<number | bigint>;
    for (let i = 0; i < block.length; i++) {
      const v = Number(block[i]);
      if (Number.isNaN(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      counted++;
    }
  }
  if (counted > 0) Object.assign(summary, { min, max, mean: sum / counted });
  return summary;
}

/** `summary`: one line per dataset with its row count and, for numbers, min/max/mean/last. */
export function summary(reader: H5Reader, names: string[], out: Writable, json: boolean): void {
  const summaries = (names.length > 0 ? names : reader.keys()).map((name) => summarise(reader.get(name)));
  if (json) {
    out.write(`${JSON.stringify(summaries, null, 2)}\n`);
    return;
  }
  for (const s of summaries) {
    const stats = s.mean === undefined ? "" : `  min ${s.min}  max ${s.max}  mean ${s.mean}`;
    out.write(`${s.name}  rows ${s.rows}  ${s.type}${stats}${s.last === undefined ? "" : `  last ${s.last}`}\n`);
  }
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * `export`: datasets side by side as CSV (one column per dataset, row index first) or as
 * JSON lines (`{"row": i, "name": value, ...}`). Datasets of different lengths leave cells empty.
 */
export function exportRows(reader: H5Reader, names: string[], format: "csv" | "jsonl", out: Writable): void {
  const views = (names.length > 0 ? names : reader.keys()).map((name) => reader.get(name));
  const length = Math.max(0, ...views.map((v) => v.length));
  if (format === "csv") out.write(`${["row", ...views.map((v) => csvField(v.name))].join(",")}\n`);
  for (let start = 0; start < length; start += BLOCK_ROWS) {
    const end = Math.min(length, start + BLOCK_ROWS);
    const blocks = views.map((v) => Array.from(v.slice(start, end) as ArrayLike<unknown>));
    for (let i = 0; i < end - start; i++) {
      if (format === "csv") {
        const cells = blocks.map((b) => (i >= b.length ? "" : csvField(typeof b[i] === "string" ? (b[i] as string) : formatValue(b[i]))));
        out.write(`${[String(start + i), ...cells].join(",")}\n`);
      } else {
        const record: Record<string, unknown> = { row: start + i };
        views.forEach((v, k) => {
          const value = blocks[k]?.[i];
          if (i < (blocks[k]?.length ?? 0)) record[v.name] = jsonable(value);
        });
        out.write(`${JSON.stringify(record)}\n`);
      }
    }
  }
}

function jsonable(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (ArrayBuffer.isView(value) || Array.isArray(value)) return Array.from(value as ArrayLike<unknown>, jsonable);
  return value;
}

/** `follow`: print rows as a writer appends them, until it closes the file or Ctrl-C. */
export async function follow(reader: H5Reader, names: string[], out: Writable, signal: AbortSignal): Promise<void> {
  const list = names.length > 0 ? names : reader.keys();
  for await (const { name, start, rows } of reader.follow(list, { signal, from: "end" })) {
    rowsToStrings(rows).forEach((row, i) => {
      out.write(`${name}\t${start + i}\t${row}\n`);
    });
  }
}

/** `recover`: clear a crashed writer's flags and say what the file holds. */
export function recover(path: string, out: Writable): void {
  const report = H5Logger.recover(path);
  out.write(`${JSON.stringify(report, null, 2)}\n`);
}
