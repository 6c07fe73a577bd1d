/**
 * Soak: a writer logs at full speed for N minutes with concurrent readers on, and three
 * readers (other processes) follow the file and check every row; the memory of each process
 * is sampled every second. Not a test: run it by hand, and put the summary in RELIABILITY.md.
 *
 * Usage: npm run soak --  [--minutes 10] [--readers 3] [--max-gb 20] [--dir DIR]
 *
 * The writer is throttled on average so that the file stays under `--max-gb` (at most half
 * the free space): unthrottled it writes ~220 MB/s. Within that budget it logs in bursts at
 * full speed. Exit status 1 when a reader saw a wrong or missing row, or a process failed.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Child } from "../test/helpers/child.js";
import { describeMachine, formatMachine } from "./machine.js";
import { startChild } from "./spawn.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    readers: { type: "string", default: "3" },
    "max-gb": { type: "string", default: "20" },
    dir: { type: "string" },
  },
});
const minutes = Number(values.minutes);
const readers = Number(values.readers);
if (!(minutes > 0) || !Number.isInteger(readers) || readers < 0) {
  throw new TypeError(`--minutes must be a positive number and --readers a whole number, got ${values.minutes} and ${values.readers}`);
}
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-soak-"));
const file = path.join(dir, "soak.h5");
const free = fs.statfsSync(dir);
const budget = Math.min(Number(values["max-gb"]) * 2 ** 30, (free.bavail * free.bsize) / 2);
const maxRate = Math.floor(budget / (minutes * 60));
/** Bytes a row adds to the file: what children/soak-writer.ts logs. */
const ROW_BYTES = 8 + 16 * 4 + 8;

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  rows?: number;
  wrong?: number;
}
interface Proc {
  name: string;
  child: Child;
  /** Resolves when it ended well, rejects when it did not. */
  output: Promise<void>;
}

const samplesOf = (proc: Proc) => proc.child.lines.filter((l) => typeof l.t === "number") as unknown as Sample[];
const lastOf = (proc: Proc) => proc.child.lines.at(-1) ?? null;

function follow(name: string, child: Child): Proc {
  const output = child.exited.then(({ code, signal, stderr }) => {
    if (code !== 0) throw new Error(`ended with ${signal ?? `code ${code}`}: ${stderr.slice(-1000)}`);
  });
  return { name, child, output };
}

const MB = 2 ** 20;
/** Memory over the run: after a warm-up of a tenth of it, first/max/last RSS and the trend. */
function memory(proc: Proc): string {
  const all = samplesOf(proc);
  const warm = all.filter((s) => s.t >= (all[0]?.t ?? 0) + (minutes * 60_000) / 10);
  const use = warm.length >= 3 ? warm : all;
  if (use.length === 0) return `${proc.name}: no samples`;
  const t0 = use[0]?.t ?? 0;
  // Least-squares slope of RSS over time, in MB per minute.
  const xs = use.map((s) => (s.t - t0) / 60_000);
  const ys = use.map((s) => s.rss / MB);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = sxx > 0 ? xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / sxx : 0;
  const f = (n: number) => n.toFixed(0).padStart(5);
  const first = use[0] as Sample;
  const last = use.at(-1) as Sample;
  return `| ${proc.name.padEnd(9)} | ${f(first.rss / MB)} | ${f(Math.max(...use.map((s) => s.rss)) / MB)} | ${f(last.rss / MB)} | ${slope.toFixed(2).padStart(6)} | ${f(Math.max(...use.map((s) => s.heapUsed)) / MB)} |`;
}

console.log(formatMachine(describeMachine()));
console.log(
  `Soak: ${minutes} min, ${readers} readers, ${file}, at most ${(maxRate / MB).toFixed(0)} MB/s on average (${(budget / 2 ** 30).toFixed(1)} GB budget)`,
);
const started = Date.now();
const writer = follow("writer", startChild("soak-writer", [file, String(minutes * 60), String(Math.floor(maxRate / ROW_BYTES))]));
await writer.child.waitFor(() => true, "the writer's first line");
const followers = Array.from({ length: readers }, (_, i) => follow(`reader ${i + 1}`, startChild("soak-reader", [file])));
const ticker = setInterval(() => {
  const w = samplesOf(writer).at(-1);
  const lags = followers.map((r) => (w?.rows ?? 0) - (samplesOf(r).at(-1)?.rows ?? 0));
  process.stderr.write(
    `\r${((Date.now() - started) / 60_000).toFixed(1)} min: ${w?.rows ?? 0} rows; readers behind by ${lags.join(", ")} rows   `,
  );
}, 5000);
const failures: string[] = [];
await Promise.all(
  [writer, ...followers].map((p) =>
    p.output.catch((err: Error) => {
      failures.push(`${p.name}: ${err.message}`);
    }),
  ),
);
clearInterval(ticker);
process.stderr.write("\n");

const done = lastOf(writer) as { rows: number; seconds: number; busySeconds: number } | null;
const written = done?.rows ?? 0;
console.log(
  `Writer: ${written} rows in ${done?.seconds.toFixed(0)} s (${(written / (done?.seconds ?? 1)).toFixed(0)} rows/s on average, ` +
    `${(written / (done?.busySeconds ?? 1)).toFixed(0)} rows/s while logging), file ${(fs.statSync(file).size / MB).toFixed(0)} MB, ${ROW_BYTES} bytes a row`,
);
let bad = failures.length > 0;
for (const r of followers) {
  const result = lastOf(r) as {
    done?: boolean;
    rows: Record<string, number>;
    wrong: number;
    firstWrong: string | null;
    polls: number;
  } | null;
  const complete = result?.done === true && Object.values(result.rows).every((n) => n === written);
  if (!complete || (result?.wrong ?? 1) > 0) bad = true;
  // Behind: rows the writer had logged by a reader's sample that the reader had not checked yet.
  const lag = Math.max(
    0,
    ...samplesOf(r).map(
      (s) =>
        (samplesOf(writer)
          .filter((w) => w.t <= s.t)
          .at(-1)?.rows ?? 0) - (s.rows ?? 0),
    ),
  );
  console.log(
    `${r.name}: ${complete ? "read every row" : "DID NOT read every row"} (${JSON.stringify(result?.rows)}), ${result?.wrong ?? "?"} wrong` +
      `${result?.firstWrong ? ` (first: ${result.firstWrong})` : ""}, ${result?.polls ?? 0} batches, at most ~${lag} rows behind`,
  );
}
console.log("\n| process   | RSS MB after warm-up | max | end | trend MB/min | max heap MB |");
console.log("|-----------|------|------|------|--------|------|");
for (const p of [writer, ...followers]) console.log(memory(p));
for (const f of failures) console.log(`FAILED ${f}`);
if (!values.dir) fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = bad ? 1 : 0;
