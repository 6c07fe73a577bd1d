/**
 * `h5logger recover RUN`: every writer's file of a run whose writer crashed recovered (files
 * still being written left alone), the run's index brought up to date, one line per writer.
 *
 * @module
 */
import { H5Logger } from "../index.js";
import { type Io, write } from "./command.js";
import { whatWasDone } from "./recover.js";
import { style } from "./style.js";

/** Recover the run; resolves to the exit code: 1 when a writer's file could not be recovered. */
export async function recoverRun(folder: string, json: boolean, io: Io): Promise<number> {
  const report = H5Logger.recoverRun(folder);
  const failed = report.writers.filter((w) => "error" in w);
  if (json) {
    await write(io.stdout, `${JSON.stringify(report, null, 2)}\n`);
  } else {
    const s = style(io.color);
    let recovered = 0;
    let left = 0;
    let out = "";
    for (const w of report.writers) {
      if ("report" in w) {
        const done = whatWasDone(w.report);
        if (done.length > 0) recovered++;
        const rows = w.report.datasets.map((d) => `${d.name} ${d.unreadable ? "unreadable" : d.rows}`).join(", ");
        out +=
          done.length === 0
            ? `${s.name(w.writer)}: nothing to recover, the file was closed properly\n`
            : `${s.name(w.writer)}: recovered\n${done.map((d) => `  - ${d}\n`).join("")}`;
        out += `  holds ${rows || "no datasets"}\n`;
      } else if ("skipped" in w) {
        left++;
        out += `${s.name(w.writer)}: left alone, a writer still writes it (${w.skipped})\n`;
      } else {
        out += `${s.name(w.writer)}: could not be recovered: ${w.error}\n`;
      }
    }
    const n = report.writers.length;
    const summary = [
      `${recovered} recovered`,
      ...(left ? [`${left} still being written`] : []),
      ...(failed.length ? [`${failed.length} failed`] : []),
    ];
    out = `${report.run}: ${n} writer${n === 1 ? "" : "s"}: ${summary.join(", ")}\n${out}`;
    if (report.indexRewritten) out += "index.h5: rewritten to link every writer's file\n";
    await write(io.stdout, out);
  }
  if (failed.length > 0) io.stderr.write(`h5logger: ${failed.map((w) => w.writer).join(", ")} could not be recovered (see above)\n`);
  return failed.length > 0 ? 1 : 0;
}
