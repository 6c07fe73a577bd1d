/**
 * `npm run bench [-- --full] [-- --json] [-- --only=scalars,wide] [-- --against=DIR]`: every
 * case of issues 4 and 14 and their baselines, in one run, with a table of case, ours,
 * baseline, ratio, target and whether it holds. Small sizes by default; `--full` uses the
 * issue's sizes. `--against=DIR` adds the scalars and wide loops of another checkout's build
 * (an earlier commit), run alternately with ours (cases/before.ts).
 *
 * @module
 */

import os from "node:os";
import { largeArraysCase, smallArraysCase } from "./cases/arrays.js";
import { beforeCase } from "./cases/before.js";
import { compressionCase } from "./cases/compression.js";
import { diskCase } from "./cases/disk.js";
import { latencyCase } from "./cases/latency.js";
import { memoryCase } from "./cases/memory.js";
import { readingCase } from "./cases/reading.js";
import { runsCase } from "./cases/runs.js";
import { scalarsCase } from "./cases/scalars.js";
import { viewCase, viewMemoryCase } from "./cases/view.js";
import { wideCase } from "./cases/wide.js";
import { describeMachine, formatMachine } from "./machine.js";
import { TempDir } from "./measure.js";
import type { Result } from "./result.js";
import { DEFAULT_SIZES, FULL_SIZES, type Sizes } from "./sizes.js";
import { formatJson, formatTable } from "./table.js";

type Case = (sizes: Sizes, tmp: TempDir) => Promise<Result[]>;

const CASES: Record<string, Case> = {
  scalars: scalarsCase,
  wide: wideCase,
  small: smallArraysCase,
  large: largeArraysCase,
  memory: memoryCase,
  reading: readingCase,
  latency: latencyCase,
  view: viewCase,
  viewmemory: viewMemoryCase,
  runs: runsCase,
  disk: diskCase,
  compression: compressionCase,
};

const args = process.argv.slice(2);
const full = args.includes("--full");
const json = args.includes("--json");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
// A build of an earlier commit to compare the scalars and wide loops with, in this run.
const against = args.find((a) => a.startsWith("--against="))?.slice("--against=".length);
if (against !== undefined) CASES.before = (sizes, tmp) => beforeCase(sizes, tmp, against);
const unknown = args.filter((a) => a !== "--full" && a !== "--json" && !a.startsWith("--only=") && !a.startsWith("--against="));
if (unknown.length > 0 || only?.some((c) => !(c in CASES))) {
  console.error(`usage: npm run bench -- [--full] [--json] [--only=${Object.keys(CASES).join(",")},before] [--against=DIR]`);
  process.exit(2);
}

const sizes = full ? FULL_SIZES : DEFAULT_SIZES;
const machine = describeMachine();
const tmp = new TempDir();
const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
log(formatMachine(machine));
// Other programs on the machine move the numbers: the load average says how busy it was.
const loadAtStart = load();
log(`Load average at the start: ${loadAtStart}`);
log(
  full
    ? `Sizes: --full (issue 4), ${sizes.reps} repetitions, median reported\n`
    : `Sizes: default (small), ${sizes.reps} repetitions, median reported. The targets are for --full sizes: at these,\none-time costs (V8 compiling HDF5's WebAssembly, creating 1,000 datasets) weigh more.\n`,
);

const results: Result[] = [];
const started = performance.now();
for (const [name, run] of Object.entries(CASES)) {
  if (only && !only.includes(name)) continue;
  const t0 = performance.now();
  const out = await run(sizes, tmp);
  results.push(...out);
  log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
log(`  total: ${((performance.now() - started) / 1000).toFixed(1)} s; load average at the end: ${load()}\n`);

if (json) process.stdout.write(`${formatJson(machine, { full, only: only ?? null, loadAtStart, loadAtEnd: load() }, results)}\n`);
else log(formatTable(results));
tmp.remove();
