/**
 * Child program: the scalars or wide loop of the bench, with the H5Logger of a given build
 * (ours, or another commit's for cases/before.ts); prints the wall and CPU time of each repetition.
 *
 * Usage: speed.ts scalars|wide LIBRARY FILE REPS CALLS|NAMES,STEPS
 * (LIBRARY: the path of a build's index.js)
 *
 * @module
 */
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { type LoggerClass, scalarLoop, wideLoop, wideNames } from "../loops.js";

const [kind, library, file, repsText, size] = process.argv.slice(2) as [string, string, string, string, string];
const Logger = ((await import(pathToFileURL(library).href)) as { H5Logger: LoggerClass }).H5Logger;
const ms: number[] = [];
const cpuMs: number[] = [];
for (let rep = 0; rep < Number(repsText); rep++) {
  const cpu0 = process.cpuUsage();
  if (kind === "scalars") ms.push(scalarLoop(Logger, file, Number(size)));
  else {
    const [names, steps] = size.split(",").map(Number) as [number, number];
    ms.push(wideLoop(Logger, file, wideNames(names), steps));
  }
  const cpu = process.cpuUsage(cpu0);
  cpuMs.push((cpu.user + cpu.system) / 1000);
  fs.rmSync(file, { force: true });
}
process.stdout.write(`${JSON.stringify({ ms, cpuMs })}\n`);
