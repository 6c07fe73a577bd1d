/**
 * Child program of bench/soak.ts: follow the soak writer's file from another process and
 * check every row against the formula (see soak-writer.ts). Every second prints a JSON
 * sample; when the writer has closed the file and every row is read, `{ done, ... }`.
 *
 * Usage: soak-reader.ts FILE
 *
 * @module
 */
import fs from "node:fs";
import { H5Logger } from "../../src/index.js";

const [file] = process.argv.slice(2) as [string];
const report = (value: unknown) => fs.writeSync(1, `${JSON.stringify(value)}\n`);
const NAMES = ["x", "grid/v", "n"] as const;
const seen: Record<string, number> = { x: 0, "grid/v": 0, n: 0 };
let wrong = 0;
let firstWrong: string | null = null;
let polls = 0;
let nextSample = 0;
const bad = (what: string) => {
  wrong++;
  firstWrong ??= what;
};

const reader = await H5Logger.open(file, { timeout: 60_000 });
for await (const { name, start, rows } of reader.follow([...NAMES], { pollEvery: 100 })) {
  polls++;
  if (start !== seen[name]) bad(`${name}: rows from ${start}, expected from ${seen[name]}`);
  if (name === "x") {
    const x = rows as Float64Array;
    for (let i = 0; i < x.length; i++) if (x[i] !== start + i) bad(`x[${start + i}] = ${x[i]}`);
    seen.x = start + x.length;
  } else if (name === "n") {
    const n = rows as BigInt64Array;
    for (let i = 0; i < n.length; i++) if (n[i] !== BigInt(start + i) * 3n) bad(`n[${start + i}] = ${n[i]}`);
    seen.n = start + n.length;
  } else {
    const v = rows as Float32Array[];
    for (let i = 0; i < v.length; i++) {
      const row = v[i] as Float32Array;
      for (let j = 0; j < 16; j++) if (row[j] !== (start + i + j) % 1_000_000) bad(`grid/v[${start + i}][${j}] = ${row[j]}`);
    }
    seen["grid/v"] = start + v.length;
  }
  if (Date.now() >= nextSample) {
    const m = process.memoryUsage();
    report({ t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, rows: Math.min(...Object.values(seen)), wrong });
    nextSample = Date.now() + 1000;
  }
}
reader.close();
report({ done: true, rows: seen, wrong, firstWrong, polls });
