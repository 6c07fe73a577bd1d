/**
 * `h5logger tail RUN [NAME...] [-n N] [-f]`: the last rows of each writer's series, under a
 * `==> writer/name <==` header; with `-f`, every writer's new rows as they come, writers that
 * join later included, until Ctrl-C or until every writer has closed its file.
 *
 * @module
 */
import type { H5Reader, H5Run } from "../index.js";
import type { Io } from "./command.js";
import { isCompanion, isReadable } from "./open.js";
import { selectRunSeries } from "./run-open.js";
import type { Printer } from "./tail.js";

/** Rows read at a time: a follower far behind catches up in pieces. */
const BLOCK_ROWS = 4096;

/** The series of one writer that NAMEs select (`loss`, or `w0/loss` for writer w0), or every readable one. */
function namesFor(writer: string, reader: H5Reader, names: string[]): string[] {
  if (names.length === 0) {
    return reader.keys().filter((n) => {
      if (isCompanion(reader, n)) return false;
      const view = reader.get(n);
      return view.shape.length > 0 && isReadable(view);
    });
  }
  const own = names.filter((n) => n.startsWith(`${writer}/`)).map((n) => n.slice(writer.length + 1));
  return [...new Set([...names, ...own])].filter((n) => reader.has(n));
}

/** `printer` is tail.ts's, with headers (passed in, so that the two modules do not import each other). */
export async function tailRun(
  run: H5Run,
  names: string[],
  options: { last: number; follow: boolean; pollEvery: number },
  printer: Printer,
  io: Io,
): Promise<void> {
  const { last, follow, pollEvery } = options;
  if (!follow) {
    for (const { label, view } of selectRunSeries(run, names, io.stderr)) {
      const start = Math.max(0, view.length - last);
      await printer.rows(label, start, view.slice(start), view.shape.slice(1));
    }
    return;
  }
  const rows = run.follow((reader, writer) => namesFor(writer, reader, names), {
    last,
    waitForWriter: true,
    pollEvery,
    signal: io.signal,
    maxRows: BLOCK_ROWS,
  });
  for await (const { writer, name, start, rows: block } of rows) {
    await printer.rows(`${writer}/${name}`, start, block, run.reader(writer).get(name).shape.slice(1));
  }
}
