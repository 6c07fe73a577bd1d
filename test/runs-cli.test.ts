/**
 * The `h5logger` command on run folders and folders of runs, run as a user runs it (the built
 * binary, from the run's parent folder). Expected values are computed here from what was
 * logged, and for `stats` from numpy through h5py.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { H5Logger } from "../src/index.js";
import { startNode, startProcess } from "./helpers/child.js";
import { have, python, tempDir } from "./helpers/interop.js";
import { CLI, fixture } from "./helpers/paths.js";

function cli(cwd: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(cwd: string, args: string[]): string {
  const r = cli(cwd, args);
  assert.equal(r.code, 0, `h5logger ${args.join(" ")} failed: ${r.err}`);
  return r.out;
}

/** What each writer logged: loss at its steps, acc at every 3rd. */
interface Logged {
  steps: number[];
  loss: number[];
}

/** A run of three writers with different steps, in `dir/logs/exp1`; another run beside it. */
function sampleRuns(dir: string): Record<string, Logged> {
  const logged: Record<string, Logged> = {};
  const plan: Record<string, number[]> = {
    w0: Array.from({ length: 20 }, (_, i) => i),
    w1: Array.from({ length: 15 }, (_, i) => 2 * i),
    w2: Array.from({ length: 12 }, (_, i) => i + 5),
  };
  for (const [w, steps] of Object.entries(plan)) {
    const logger = H5Logger.inRun(path.join(dir, "logs", "exp1"), { writer: w, steps: true, runAttrs: { lr: 0.5 } });
    const loss = steps.map((s, k) => Math.round(1000 / (s + 1) + k * (w === "w1" ? 3 : 1)) / 4);
    steps.forEach((s, k) => {
      logger.step = s;
      logger.log("loss", loss[k]);
      if (s % 3 === 0) logger.log("acc", s / 100);
    });
    logger.close();
    logged[w] = { steps, loss };
  }
  H5Logger.inRun(path.join(dir, "logs", "exp2"), { writer: "solo" }).close();
  return logged;
}

test("ls on a folder of runs lists its runs; on a run, each writer and every writer's datasets", (t) => {
  const dir = tempDir(t);
  sampleRuns(dir);
  const runs = ok(dir, ["ls", "logs"]);
  assert.match(runs, /^run\s+writers\s+modified \(UTC\)\s+names$/m);
  assert.match(runs, /^exp1\s+3\s+\S+ \S+\s+w0, w1, w2$/m);
  assert.match(runs, /^exp2\s+1\s+\S+ \S+\s+solo$/m);
  const listed = JSON.parse(ok(dir, ["ls", "logs", "--json"]));
  assert.deepEqual(
    listed.runs.map((r: { name: string; writers: string[] }) => [r.name, r.writers]),
    [
      ["exp1", ["w0", "w1", "w2"]],
      ["exp2", ["solo"]],
    ],
  );
  const run = ok(dir, ["ls", "logs/exp1"]);
  assert.match(run, /^run logs\/exp1: 3 writers$/m);
  assert.match(run, /^w1\s+closed$/m);
  assert.match(run, /^w0\/loss\s+20\s+\(\)\s+float64/m);
  assert.match(run, /^w2\/acc\.step\s+4\s+\(\)\s+int64/m);
  assert.match(run, /^ {2}lr\s+0\.5$/m);
  const json = JSON.parse(ok(dir, ["ls", "logs/exp1", "--json"]));
  assert.deepEqual(json.writers, [
    { writer: "w0", state: "closed" },
    { writer: "w1", state: "closed" },
    { writer: "w2", state: "closed" },
  ]);
  assert.deepEqual(json.attributes, { lr: 0.5 });
  assert.equal(json.datasets.find((d: { name: string }) => d.name === "w1/loss").rows, 15);
});

test("tail, stats and export take a run: WRITER/NAME series, the aggregate across writers, a column per writer aligned on step", (t) => {
  const dir = tempDir(t);
  const logged = sampleRuns(dir);
  const tail = ok(dir, ["tail", "logs/exp1", "loss", "-n", "2"]);
  const expectedTail = Object.entries(logged)
    .map(([w, { loss }]) => `==> ${w}/loss <==\n${loss.length - 2}  ${loss.at(-2)}\n${loss.length - 1}  ${loss.at(-1)}\n`)
    .join("\n");
  assert.equal(tail, expectedTail);
  assert.equal(ok(dir, ["tail", "logs/exp1", "w1/loss", "-n", "1"]), `==> w1/loss <==\n14  ${logged.w1?.loss.at(-1)}\n`);

  // export: one column per writer, a line per step any writer logged, empty cells elsewhere.
  const csv = ok(dir, ["export", "logs/exp1", "loss", "--csv"]);
  const steps = [...new Set(Object.values(logged).flatMap((l) => l.steps))].sort((a, b) => a - b);
  const cell = (w: string, s: number) => {
    const l = logged[w] as Logged;
    const k = l.steps.indexOf(s);
    return k < 0 ? "" : String(l.loss[k]);
  };
  const expectedCsv = `step,w0/loss,w1/loss,w2/loss\n${steps.map((s) => `${s},${cell("w0", s)},${cell("w1", s)},${cell("w2", s)}\n`).join("")}`;
  assert.equal(csv, expectedCsv);

  // stats: the writers' rows, then */loss: pooled statistics (numpy over every writer's values), the mean at the last step.
  const stats = JSON.parse(ok(dir, ["stats", "logs/exp1", "loss", "--json"]));
  assert.deepEqual(
    stats.map((s: { name: string }) => s.name),
    ["w0/loss", "w1/loss", "w2/loss", "*/loss"],
  );
  const all = stats[3];
  const values = Object.values(logged).flatMap((l) => l.loss);
  assert.equal(all.count, values.length);
  assert.equal(all.writers, 3);
  assert.equal(all.steps, steps.length);
  assert.equal(all.min, Math.min(...values));
  assert.equal(all.max, Math.max(...values));
  const lastStep = steps.at(-1) as number;
  const atLast = Object.keys(logged)
    .map((w) => cell(w, lastStep))
    .filter((c) => c !== "")
    .map(Number);
  assert.equal(all.last, atLast.reduce((a, b) => a + b, 0) / atLast.length);
  assert.equal(typeof all.sparkline, "string");
  if (have(t, "h5py")) {
    const truth = python<[number, number]>(
      `import sys, json, h5py, numpy as np, os
v = np.concatenate([h5py.File(os.path.join(sys.argv[1], w + ".h5"), "r")["loss"][:] for w in ("w0", "w1", "w2")])
print(json.dumps([float(v.mean()), float(v.std())]))`,
      path.join(dir, "logs", "exp1"),
    );
    assert.ok(Math.abs(all.mean - truth[0]) <= 1e-12 * Math.abs(truth[0]), `pooled mean ${all.mean}, numpy ${truth[0]}`);
    assert.ok(Math.abs(all.std - truth[1]) <= 1e-12 * Math.abs(truth[1]), `pooled std ${all.std}, numpy ${truth[1]}`);
  }
  const table = ok(dir, ["stats", "logs/exp1"]);
  assert.match(table, /^\*\/acc\s+/m);
  assert.match(table, /^\*\/loss\s+47\s+0\s+/m);
});

test("commands that take one run refuse a folder of runs, naming its runs", (t) => {
  const dir = tempDir(t);
  sampleRuns(dir);
  for (const command of ["tail", "stats", "export", "recover"]) {
    const r = cli(dir, [command, "logs", ...(command === "export" ? ["--csv"] : [])]);
    assert.equal(r.code, 2, `${command} logs`);
    assert.match(r.err, new RegExp(`logs is a folder of runs \\(exp1, exp2\\); ${command} takes one run: logs/exp1`));
  }
  const missing = cli(dir, ["stats", "logs/exp1", "nothing"]);
  assert.equal(missing.code, 1, "an unknown series fails, as it does for a file");
  assert.match(missing.err, /^h5logger: dataset name "nothing": no writer of run logs\/exp1 has it \(writers: w0, w1, w2\)\n$/);
});

test("tail -f RUN/ waits for the run, follows every writer, late ones included, and ends when all have closed", async (t: TestContext) => {
  const cwd = tempDir(t);
  const tail = startProcess(process.execPath, [CLI, "tail", "-f", "exp/", "loss", "-n", "0", "--poll", "20"], {
    test: t,
    cwd,
    env: { NO_COLOR: "1" },
  });
  const start = (name: string, seed: number, mode: string, rows: string) =>
    startNode(fixture("run_writer"), ["exp", name, String(seed), mode, rows, "20"], { test: t, cwd, stdin: true });
  // It says it waits for the run: then it has looked, and the folder was not there.
  await tail.waitForStderr(/waiting for exp\/ to appear/);
  // a and b log until told to stop; c joins while they log, and ends first.
  const a = start("a", 1, "swmr", "stop-paced");
  const b = start("b", 2, "plain", "stop-paced");
  await a.waitFor((l) => l.event === "rows", "a's first rows");
  const c = start("c", 3, "swmr", "10000");
  assert.equal((await c.exited).code, 0, c.stderr());
  a.send("stop\n");
  b.send("stop\n");
  const n = { a: 0, b: 0, c: 10_000 };
  for (const [w, child] of [
    ["a", a],
    ["b", b],
  ] as const) {
    n[w] = (await child.waitFor((l) => l.event === "closed", `${w} closed`)).rows as number;
    assert.equal((await child.exited).code, 0, child.stderr());
  }
  const { code, stderr } = await tail.exited;
  assert.equal(code, 0, stderr);
  // Every row of every writer once, in order, under its header.
  const rows: Record<string, number[]> = {};
  let current = "";
  for (const line of tail.stdout().split("\n")) {
    const header = /^==> (\w+)\/loss <==$/.exec(line);
    if (header) current = header[1] as string;
    else if (line.trim() !== "") {
      const [index, value] = line.split(/\s+/).map(Number);
      assert.equal(value, { a: 1, b: 2, c: 3 }[current as "a"] * 1e6 + (index as number), line);
      const list = rows[current] ?? [];
      list.push(index as number);
      rows[current] = list;
    }
  }
  for (const w of ["a", "b", "c"] as const) {
    assert.deepEqual(
      rows[w],
      Array.from({ length: n[w] }, (_, i) => i),
      `writer ${w}: every row once, in order`,
    );
  }
  assert.ok(fs.existsSync(path.join(cwd, "exp", "index.h5")));
});
