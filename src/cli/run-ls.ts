/**
 * `h5logger ls RUN`: each writer and where it stands, then every writer's datasets as
 * `writer/name` rows, then the run's attributes. `h5logger ls LOGDIR`: the runs of a folder
 * of runs, with their writers.
 *
 * @module
 */
import { H5Run } from "../index.js";
import { type Io, write } from "./command.js";
import { jsonable } from "./format.js";
import { type Listing, listing, listingTable } from "./ls.js";
import { readableWriters } from "./run-open.js";
import { style } from "./style.js";

/** A table: left-aligned columns two spaces apart, a bold header. */
function table(header: string[], rows: string[][], io: Io): string {
  const s = style(io.color);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((t, c) => t.padEnd(widths[c] ?? 0))
      .join("  ")
      .trimEnd();
  return `${s.bold(line(header))}\n${rows.map((r) => `${line(r)}\n`).join("")}`;
}

export async function listRun(run: H5Run, json: boolean, io: Io): Promise<void> {
  const status = run.status();
  const entries: (Listing & { writer: string })[] = [];
  for (const writer of readableWriters(run)) {
    const reader = run.reader(writer);
    for (const name of reader.keys()) entries.push({ ...listing(reader.get(name)), name: `${writer}/${name}`, writer });
  }
  const attributes = run.attrs;
  if (json) {
    const writers = status.map(({ writer, state, problem }) => ({ writer, state, ...(problem ? { problem } : {}) }));
    await write(io.stdout, `${JSON.stringify(jsonable({ run: run.folder, attributes, writers, datasets: entries }), null, 2)}\n`);
    return;
  }
  const s = style(io.color);
  const states = status.map((w) => [s.name(w.writer), w.problem ? `${w.state}: ${w.problem}` : w.state]);
  let out = `${s.bold(`run ${run.folder}`)}: ${status.length} writer${status.length === 1 ? "" : "s"}\n`;
  if (status.length > 0) out += `${table(["writer", "state"], states, io)}\n`;
  out += listingTable(entries, attributes, io);
  await write(io.stdout, out);
}

export async function listRuns(logdir: string, json: boolean, io: Io): Promise<void> {
  const runs = H5Run.list(logdir);
  if (json) {
    const list = runs.map((r) => ({ ...r, modifiedAt: new Date(r.modifiedAt).toISOString() }));
    await write(io.stdout, `${JSON.stringify({ logdir, runs: list }, null, 2)}\n`);
    return;
  }
  const rows = runs.map((r) => [
    r.name,
    String(r.writers.length),
    new Date(r.modifiedAt).toISOString().replace("T", " ").slice(0, 19),
    r.writers.length > 6 ? `${r.writers.slice(0, 6).join(", ")}, ...` : r.writers.join(", "),
  ]);
  await write(io.stdout, runs.length === 0 ? `${logdir}: no runs\n` : table(["run", "writers", "modified (UTC)", "names"], rows, io));
}
