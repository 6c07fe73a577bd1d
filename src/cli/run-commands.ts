/**
 * The commands that take a run folder (or, for `ls`, a folder of runs) where they take a
 * FILE: main.ts hands them the arguments when the first one names a folder.
 *
 * @module
 */
import fs from "node:fs";
import { count, type Io, timeoutOf, UsageError, type Values } from "./command.js";
import { checkExportOptions } from "./export.js";
import { exportRun } from "./run-export.js";
import { listRun, listRuns } from "./run-ls.js";
import { oneRunOnly, openRunForReading, targetOf, withRun } from "./run-open.js";
import { recoverRun } from "./run-recover.js";
import { statsRun } from "./run-stats.js";
import { tailRun } from "./run-tail.js";
import { Printer } from "./tail.js";

type RunCommand = (folder: string, values: Values, names: string[], io: Io) => Promise<number>;

const RUN_COMMANDS: Record<string, RunCommand> = {
  async ls(folder, values, names, io) {
    if (names.length > 0) throw new UsageError("ls takes one RUN");
    await withRun(folder, timeoutOf(values) ?? 0, (run) => listRun(run, values.json === true, io));
    return 0;
  },
  async tail(folder, values, names, io) {
    const follow = values.follow === true;
    const last = count("--lines", values.lines, 10);
    const pollEvery = Math.max(1, count("--poll", values.poll, 100));
    const timeout = timeoutOf(values) ?? (follow ? Number.MAX_SAFE_INTEGER / 2 : 0);
    if (follow && !fs.existsSync(folder)) io.stderr.write(`h5logger: waiting for ${folder} to appear (Ctrl-C to stop)\n`);
    let run: Awaited<ReturnType<typeof openRunForReading>>;
    try {
      run = await openRunForReading(folder, { timeout, signal: io.signal });
    } catch (err) {
      if (io.signal.aborted) return 0; // Ctrl-C while waiting for the run folder
      throw err;
    }
    try {
      await tailRun(run, names, { last, follow, pollEvery }, new Printer(true, io), io);
    } finally {
      run.close();
    }
    return 0;
  },
  async stats(folder, values, names, io) {
    const width = Math.max(1, count("--width", values.width, 24));
    await withRun(folder, timeoutOf(values) ?? 0, (run) => statsRun(run, names, width, values.json === true, io));
    return 0;
  },
  async export(folder, values, names, io) {
    const output = checkExportOptions(values, folder);
    await withRun(folder, timeoutOf(values) ?? 0, (run) => exportRun(run, names, values, output, io));
    return 0;
  },
  async recover(folder, values, names, io) {
    if (names.length > 0) throw new UsageError("recover takes one RUN");
    return recoverRun(folder, values.json === true, io);
  },
};

/**
 * Run `command` on a run folder if its first argument names one: resolves to the exit code,
 * or to null when the argument is a file (or the command takes no run).
 */
export function runCommand(command: string, values: Values, positionals: string[], io: Io): Promise<number> | null {
  const [folder, ...names] = positionals;
  const run = RUN_COMMANDS[command];
  if (!run || folder === undefined) return null;
  const target = targetOf(folder);
  if (target === "file") return null;
  if (target === "runs")
    return command === "ls" ? listRuns(folder, values.json === true, io).then(() => 0) : Promise.reject(oneRunOnly(command, folder));
  return run(folder, values, names, io);
}
