/**
 * `h5logger tail FILE [NAME...] [-n N] [-f]`: the last rows of each series, and with `-f` the
 * rows a writer appends from then on, as `tail -f` does, until Ctrl-C or the writer closes.
 *
 * @module
 */
import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { H5Reader } from "../read/reader.js";
import { type Command, count, fileArgument, type Io, timeoutOf, write } from "./command.js";
import { formatArray, formatScalar } from "./format.js";
import { isCompanion, isReadable, openForReading } from "./open.js";
import { style } from "./style.js";

/** Rows read at a time: a follower far behind a fast writer catches up in pieces. */
const BLOCK_ROWS = 4096;

/** Prints rows with their index, and a `==> name <==` header whenever the series changes (as tail does for several files). */
class Printer {
  #current: string | null = null;
  readonly #headers: boolean;
  readonly #io: Io;

  constructor(headers: boolean, io: Io) {
    this.#headers = headers;
    this.#io = io;
  }

  async rows(reader: H5Reader, name: string, from: number, to: number): Promise<void> {
    const s = style(this.#io.color);
    const view = reader.get(name);
    const rowShape = view.shape.slice(1);
    if (this.#headers && this.#current !== name) {
      await write(this.#io.stdout, `${this.#current === null ? "" : "\n"}${s.bold(`==> ${name} <==`)}\n`);
    }
    this.#current = name;
    for (let start = from; start < to; start += BLOCK_ROWS) {
      const rows = view.slice(start, Math.min(to, start + BLOCK_ROWS)) as ArrayLike<unknown>;
      let out = "";
      for (let i = 0; i < rows.length; i++) {
        const index = String(start + i);
        const text =
          rowShape.length === 0
            ? formatScalar(rows[i])
            : formatArray(rows[i] as ArrayLike<unknown>, rowShape, " ".repeat(index.length + 2));
        out += `${s.dim(index)}  ${text}\n`;
      }
      await write(this.#io.stdout, out);
    }
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

async function tail(
  reader: H5Reader,
  names: string[],
  last: number,
  follow: boolean,
  pollEvery: number,
  waited: boolean,
  io: Io,
): Promise<void> {
  // Named series must exist now, unless we follow a file whose writer may still add them.
  if (!follow) for (const name of names) reader.get(name);
  const printer = new Printer(names.length !== 1 && (names.length > 1 || seriesOf(reader, names).length > 1), io);
  const printed = new Map<string, number>();
  for (const name of seriesOf(reader, names)) {
    const length = reader.get(name).length;
    // Started before the file existed: every row is new.
    await printer.rows(reader, name, waited ? 0 : Math.max(0, length - last), length);
    printed.set(name, length);
  }
  let sawWriter = reader.live || waited;
  let lastLook = false;
  while (follow && !io.signal.aborted) {
    try {
      await sleep(pollEvery, undefined, { signal: io.signal });
    } catch {
      return; // Ctrl-C
    }
    reader.refresh();
    for (const name of seriesOf(reader, names)) {
      const from = printed.get(name) ?? 0; // a series that appeared since: all its rows are new
      const length = reader.get(name).length;
      if (length > from) await printer.rows(reader, name, from, length);
      printed.set(name, Math.max(from, length));
    }
    // One more look after the writer closes catches what it wrote while closing.
    if (sawWriter && !reader.live) {
      if (lastLook) return;
      lastLook = true;
    }
    sawWriter ||= reader.live;
  }
}

export const tailCommand: Command = {
  name: "tail",
  summary: "last rows of each series; -f follows a file while it is written",
  help: `Usage: h5logger tail FILE [NAME...] [-n N] [-f]

The last N rows of each series NAME (default: every dataset but step/time companions), each
with its index; a "==> NAME <==" header before the rows of each series when there are several.

With -f, then prints rows as a writer appends them, like tail -f, until Ctrl-C or until the
writer closes the file. Works on a file written with concurrent readers on (SWMR) and on one
written without (each flush is read from a private copy), and when started before the writer:
it waits for the file.

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
    const timeout = timeoutOf(values, follow ? Number.MAX_SAFE_INTEGER / 2 : 0);
    // A file that does not exist yet will have a writer: its close ends -f.
    const waited = !fs.existsSync(file) && !fs.existsSync(`${file}.h5`);
    let reader: H5Reader;
    try {
      reader = await openForReading(file, { timeout, signal: io.signal, retryEvery: pollEvery });
    } catch (err) {
      if (io.signal.aborted) return 0; // Ctrl-C while waiting for the file
      throw err;
    }
    try {
      await tail(reader, positionals.slice(1), last, follow, pollEvery, waited, io);
    } finally {
      reader.close();
    }
    return 0;
  },
};
