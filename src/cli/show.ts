/**
 * `h5logger show FILE NAME [--rows A:B]`: rows of one dataset, each with its index, arrays in
 * numpy's layout and elided when long.
 *
 * @module
 */
import type { DatasetView } from "../index.js";
import { type Command, fileArgument, type Io, timeoutOf, UsageError, write } from "./command.js";
import { formatArray, formatScalar } from "./format.js";
import { openForReading } from "./open.js";
import { style } from "./style.js";

/** Without `--rows`, a dataset longer than this shows its first and last {@link EDGE_ROWS} rows. */
const ALL_ROWS_UP_TO = 20;
const EDGE_ROWS = 10;
/** Rows read at a time, so that showing a long range keeps memory flat. */
const BLOCK_ROWS = 4096;

/** Parse `A:B` as a Python slice of `length` rows (either side may be empty or negative). */
export function parseRange(text: string, length: number): [number, number] {
  const match = /^(-?\d*):(-?\d*)$/.exec(text.trim());
  if (!match) throw new UsageError(`--rows must look like A:B (as in Python: 0:10, -5:, :100), got ${JSON.stringify(text)}`);
  const bound = (s: string | undefined, fallback: number) => {
    if (!s) return fallback;
    const n = Number(s);
    return Math.min(length, Math.max(0, n < 0 ? length + n : n));
  };
  const start = bound(match[1], 0);
  return [start, Math.max(start, bound(match[2], length))];
}

async function showRows(view: DatasetView, ranges: [number, number][], io: Io): Promise<void> {
  const s = style(io.color);
  const rowShape = view.shape.slice(1);
  const width = String(Math.max(0, view.length - 1)).length;
  for (const [k, [from, to]] of ranges.entries()) {
    if (k > 0) await write(io.stdout, `${s.dim("...".padStart(width))}\n`);
    for (let start = from; start < to; start += BLOCK_ROWS) {
      const rows = view.slice(start, Math.min(to, start + BLOCK_ROWS)) as ArrayLike<unknown>;
      let out = "";
      for (let i = 0; i < rows.length; i++) {
        const text =
          rowShape.length === 0
            ? formatScalar(rows[i], view.dtype)
            : formatArray(rows[i] as ArrayLike<unknown>, rowShape, " ".repeat(width + 2));
        out += `${s.dim(String(start + i).padStart(width))}  ${text}\n`;
      }
      await write(io.stdout, out);
    }
  }
}

export const show: Command = {
  name: "show",
  summary: "rows of one dataset, numpy-like, elided when long",
  help: `Usage: h5logger show FILE NAME [--rows A:B]

Rows of dataset NAME, one per line after its index; arrays as numpy prints them, elided
(with ...) beyond 1,000 elements. Without --rows, a dataset of more than 20 rows shows its
first and last 10.

Options:
  --rows A:B     rows A (inclusive) to B (exclusive), as a Python slice: 0:10, -5:, 100:
  --timeout MS   wait up to MS for FILE to exist and become readable (default 0)
  -h, --help     this text
`,
  options: { rows: { type: "string" }, timeout: { type: "string" } },
  async run(values, positionals, io) {
    const file = fileArgument("show", positionals);
    const [, name, ...rest] = positionals;
    if (!name) throw new UsageError("show needs a dataset NAME");
    if (rest.length > 0) throw new UsageError("show takes one NAME");
    const reader = await openForReading(file, { timeout: timeoutOf(values) });
    try {
      const view = reader.get(name);
      if (view.shape.length === 0) {
        // A rank-0 dataset holds one value and no rows.
        await write(io.stdout, `${formatScalar((view.value as ArrayLike<unknown>)[0], view.dtype)}\n`);
        return 0;
      }
      let ranges: [number, number][];
      if (typeof values.rows === "string") ranges = [parseRange(values.rows, view.length)];
      else if (view.length <= ALL_ROWS_UP_TO) ranges = [[0, view.length]];
      else
        ranges = [
          [0, EDGE_ROWS],
          [view.length - EDGE_ROWS, view.length],
        ];
      await showRows(view, ranges, io);
    } finally {
      reader.close();
    }
    return 0;
  },
};
