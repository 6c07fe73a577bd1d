/**
 * Child program: the scalars or wide loop of the bench, with the H5Logger of a given build
 * (ours, or another commit's for cases/before.ts); prints the time of each repetition.
 *
 * Usage: speed.ts scalars|wide LIBRARY FILE REPS CALLS|NAMES,STEPS
 * (LIBRARY: the path of a build's index.js)
 *
 * @module
 */
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import type { H5Logger } from "../../src/index.js";
import { logScalars } from "../cases/scalars.js";
import { logWide, wideNames } from "../cases/wide.js";

const [kind, library, file, repsText, size] = process.argv.slice(2) as [string, string, string, string, string];
const Logger = ((await import(pathToFileURL(library).href)) as { H5Logger: typeof H5Logger }).H5Logger;
const ms: number[] = [];
for (let rep = 0; rep < Number(repsText); rep++) {
  if (kind === "scalars") ms.push(logScalars(file, Number(size), Logger));
  else {
    const [names, steps] = size.split(",").map(Number) as [number, number];
    ms.push(logWide(file, wideNames(names), steps, Logger));
  }
  fs.rmSync(file, { force: true });
}
process.stdout.write(`${JSON.stringify({ ms })}\n`);
