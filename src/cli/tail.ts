/**
 * `h5logger tail FILE [NAME...] [-n N] [-f]`: the last rows of each series, and with `-f` the
 * rows a writer appends from then on, as `tail -f` does, until Ctrl-C or the writer closes.
 *
 * @module
 */
import type { H5Reader, Rows } from "../index.js";
import { type Command, count, fileArgument, type Io, timeoutOf, write } from "./command.js";
import { formatArray, formatScalar } from "./format.js";
import { exists, isCompanion, isReadable, openForReading } from "./open.js";
import { style } from "./style.js";

/** Rows read at a time: a follower far behind a fast writer catches up in pieces. */
const BLOCK_ROWS = 4096;

/** Prints rows with their index, and a `==> name <==` header whenever the series changes (as tail does for several files). */
export class Printer {
  #current: string | null = null;
  readonly #headers: boolean;
  readonly #io: Io;

  constructor(headers: boolean, io: Io) {
    this.#headers = headers;
    this.#io = io;
  }

  /** Print `rows` of `name`, the first of them row `start`; arrays of shape `rowShape`. */
  async rows(name: string, start: number, rows: Rows, rowShape: readonly number[] = [], dtype: string | null = null): Promise<void> {
    const s = style(this.#io.color);
    if (this.#headers && this.#current !== name) {
      await write(this.#io.stdout, `${this.#current === null ? "" : "\n"}${s.bold(`==> ${name} <==`)}\n`);
    }
    this.#current = name;
    const list = rows as ArrayLike<unknown>;
    let out = "";
    for (let i = 0; i < list.length; i++) {
      const index = String(start + i);
      const row = list[i];
      const text =
        rowShape.length === 0 ? formatScalar(row, dtype) : formatArray(row as ArrayLike<unknown>, rowShape, " ".repeat(index.length + 2));
      out += `${s.dim(index)}  ${text}\n`;
      if (out.length >= 1 << 16) {
        await write(this.#io.stdout, out);
        out = "";
      }
    }
    await write(this.#io.stdout, out);
  }
}

/** The series to print: those named that exist by now, or every readable series but companions. */
function seriesOf(reader: H5Reader, names: string[]): string[] {
  if (names.length > 0) return names.filter((n) => reader.has(n));
  return reader.keys().filter((n) => {
    if (isCompanion(reader, n)) return false;
    const view = reader.get(n);
    return view.shape.length > 0 && isReadable(view);
  });
}

async function tail(reader: H5Reader, names: string[], last: number, follow: boolean, pollEvery: number, io: Io): Promise<void> {
  // Named series must exist now, unless we follow a file whose writer may still add them.
  if (!follow) for (const name of names) reader.get(name);
  const printer = new Printer(names.length !== 1 && (names.length > 1 || seriesOf(reader, names).length > 1), io);
  if (!follow) {
    for (const name of seriesOf(reader, names)) {
      const length = reader.get(name).length;
      const view = reader.get(name);
      await printer.rows(name, Math.max(0, length - last), view.slice(Math.max(0, length - last)), view.shape.slice(1), view.dtype);
    }
    return;
  }
  const rows = reader.follow((r) => seriesOf(r, names), { last, waitForWriter: true, pollEvery, signal: io.signal, maxRows: BLOCK_ROWS });
  for await (const { name, start, rows: block } of rows) {
    const view = reader.get(name);
    await printer.rows(name, start, block, view.shape.slice(1), view.dtype);
  }
}

export const tailCommand: Command = {
  name: "tail",
  summary: "last rows of each series; -f follows a file while it is written",
  help: `Usage: h5logger tail FILE [NAME...] [-n N] [-f]
       h5logger tail RUN [NAME...] [-n N] [-f]

The last N rows of each series NAME (default: every dataset but step/time companions), each
with its index; a "==> NAME <==" header before the rows of each series when there are several.

With -f, then prints rows as a writer appends them, like tail -f, until Ctrl-C or until the
writer closes the file. Works on a file written with concurrent readers on (SWMR) and on one
written without (each flush is read from a private copy), and when started before the writer:
it waits for the file.

A run folder RUN: each writer's series under a "==> WRITER/NAME <==" header; NAME selects a
series in every writer that has it, WRITER/NAME one writer's. With -f, writers that join
later are followed from their first row, until every writer has closed its file; a run
folder that does not exist yet is waited for when written with a trailing /.

Options:
  -n, --lines N  rows of each series to print first (default 10)
  -f, --follow   go on printing new rows
  --poll MS      with -f, pause between looks at the file (default 100)
  --timeout MS   wait up to MS for FILE to exist and become readable (default: 0, with -f forever)
  -h, --help     this text
`,
  options: {
    lines: { type: "string", short: "n" },
    follow: { type: "boolean", short: "f" },
    poll: { type: "string" },
    timeout: { type: "string" },
  },
  async run(values, positionals, io) {
    const file = fileArgument("tail", positionals);
    const follow = values.follow === true;
    const last = count("--lines", values.lines, 10);
    const pollEvery = Math.max(1, count("--poll", values.poll, 100));
    // -f waits for a file that does not exist yet, for as long as it takes.
    const timeout = timeoutOf(values) ?? (follow ? Number.MAX_SAFE_INTEGER / 2 : undefined);
    if (follow && !exists(file)) io.stderr.write(`h5logger: waiting for ${file} to appear (Ctrl-C to stop)\n`);
    let reader: H5Reader;
    try {
      reader = await openForReading(file, { timeout, signal: io.signal, retryEvery: pollEvery });
    } catch (err) {
      if (io.signal.aborted) return 0; // Ctrl-C while waiting for the file
      throw err;
    }
    try {
      await tail(reader, positionals.slice(1), last, follow, pollEvery, io);
    } finally {
      reader.close();
    }
    return 0;
  },
};
