/**
 * `h5logger recover FILE`: make a file whose writer crashed readable again (see recover.ts)
 * and say what it holds.
 *
 * @module
 */

import { H5Logger, type RecoveryReport } from "../index.js";
import { type Command, fileArgument, type Io, UsageError, write } from "./command.js";
import { formatBytes, plural } from "./format.js";
import { style } from "./style.js";

/** What recovery did to a file, one line each; none when the file was closed properly. */
export function whatWasDone(report: RecoveryReport): string[] {
  const done: string[] = [];
  if (report.rolledBack && report.rolledBack.restoredBytes + report.rolledBack.cutBytes > 0) {
    done.push(
      `undid a flush cut short by the crash (${formatBytes(report.rolledBack.restoredBytes)} put back, ${formatBytes(report.rolledBack.cutBytes)} cut off)`,
    );
  }
  if (report.flagsCleared) done.push(`cleared HDF5's "open for write" flags`);
  if (report.staleLock)
    done.push(
      `removed the lock of writer pid ${report.staleLock.pid} (${report.staleLock.hostname}, since ${report.staleLock.startedAt}), which is gone`,
    );
  if (report.zeroFilled > 0) done.push(`filled the file up to its recorded end (${formatBytes(report.zeroFilled)})`);
  if (report.endAddressRaised > 0) done.push(`raised the recorded end of the file by ${formatBytes(report.endAddressRaised)}`);
  for (const t of report.trimmed) done.push(`dropped ${plural(t.from - t.to, "unmatched row")} of ${t.name}`);
  return done;
}

function describe(report: RecoveryReport, io: Io): string {
  const s = style(io.color);
  const done = whatWasDone(report);
  let out =
    done.length === 0
      ? `${report.file}: nothing to recover, the file was closed properly\n`
      : `${report.file}: recovered\n${done.map((d) => `  - ${d}\n`).join("")}`;
  out += `${s.bold("holds")}\n`;
  const width = Math.max(0, ...report.datasets.map((d) => d.name.length));
  const rowsWidth = Math.max(0, ...report.datasets.map((d) => String(d.rows).length));
  for (const d of report.datasets) {
    out += `  ${s.name(d.name.padEnd(width))}  ${d.unreadable ? `unreadable: ${d.unreadable}` : `${String(d.rows).padStart(rowsWidth)} ${d.rows === 1 ? "row " : "rows"}  ${d.dtype}`}\n`;
  }
  if (report.datasets.length === 0) out += "  (no datasets)\n";
  return out;
}

export const recoverCommand: Command = {
  name: "recover",
  summary: "recover a file whose writer crashed, and say what it holds",
  help: `Usage: h5logger recover FILE [--json]
       h5logger recover RUN [--json]

Makes a file whose writer was killed readable by every HDF5 tool again, without HDF5's
tools: undoes a flush the crash cut short (from the writer's journal, FILE.journal), clears
HDF5's "open for write" flags (as h5clear -s does), removes the dead writer's lock, then
lists the datasets and their rows. Refuses while a writer still holds the file. Harmless on
a file that was closed properly.

A run folder RUN: recovers every writer's file whose writer crashed, leaves files still
being written alone, and brings the run's index.h5 up to date; fails (exit 1) if a writer's
file could not be recovered, after recovering the others.

Options:
  --json         the report as JSON
  -h, --help     this text
`,
  options: { json: { type: "boolean" } },
  async run(values, positionals, io) {
    const file = fileArgument("recover", positionals);
    if (positionals.length > 1) throw new UsageError("recover takes one FILE");
    const report = H5Logger.recover(file);
    await write(io.stdout, values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report, io));
    return 0;
  },
};
