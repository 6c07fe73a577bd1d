/**
 * Runs written by several real processes and worker threads at full speed (two long-lived
 * writers paced, so that they outlive the others), as users run them:
 * writers started from a temp working directory with a relative run folder, readers following
 * the run from another process and from this one, a writer joining late, a duplicate writer
 * name, a writer killed with SIGKILL, worker threads (also one terminated mid-run).
 *
 * Writers log loss[i] = seed * 1e6 + i at step i (test/fixtures/run_writer.ts), so every row
 * is checked against that formula, and the aggregate against a brute force computed here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { H5Logger, type RunAggregate } from "../src/index.js";
import { type Child, startNode } from "./helpers/child.js";
import { have, python, tempDir } from "./helpers/interop.js";
import { CLI, fixture } from "./helpers/paths.js";
import { refuses } from "./helpers/refuses.js";

const isEvent = (event: string) => (line: Record<string, unknown>) => line.event === event;

function writer(cwd: string, t: TestContext, args: (string | number)[], stdin = false): Child {
  return startNode(fixture("run_writer"), args.map(String), { test: t, cwd, stdin });
}

/** The aggregate of writers whose loss[i] = seed * 1e6 + i for i < rows, computed by brute force. */
function expectedAggregate(writers: { seed: number; rows: number }[]): { mean: number[]; min: number[]; max: number[]; count: number[] } {
  const steps = Math.max(...writers.map((w) => w.rows));
  const out = { mean: [] as number[], min: [] as number[], max: [] as number[], count: [] as number[] };
  for (let i = 0; i < steps; i++) {
    // Integers below 2^53: a plain sum is exact, so the mean is the correctly rounded one.
    const values = writers.filter((w) => i < w.rows).map((w) => w.seed * 1e6 + i);
    out.mean.push(values.reduce((a, b) => a + b, 0) / values.length);
    out.min.push(Math.min(...values));
    out.max.push(Math.max(...values));
    out.count.push(values.length);
  }
  return out;
}

function assertAggregate(agg: RunAggregate, writers: { seed: number; rows: number }[]): void {
  const expected = expectedAggregate(writers);
  assert.equal(agg.step.length, expected.mean.length);
  assert.ok(
    agg.step.every((s, i) => s === i),
    "one entry per step 0, 1, 2, ...",
  );
  for (const key of ["mean", "min", "max", "count"] as const) {
    const ours = agg[key];
    const first = expected[key].findIndex((v, i) => v !== ours[i]);
    assert.equal(first, -1, `${key} at step ${first}: expected ${expected[key][first]}, got ${ours[first]}`);
  }
}

test("processes and threads write one run at full speed while readers follow it; a late writer joins; a duplicate name is refused", async (t) => {
  const cwd = tempDir(t);
  const run = path.join("runs", "exp1");
  // Readers first: they wait for the run folder, then for writers.
  const follower = startNode(fixture("run_follower"), [run], { test: t, cwd });
  const w1 = writer(cwd, t, [run, "w1", 1, "swmr", "stop-paced", 50], true);
  await w1.waitFor(isEvent("open"), "w1 open");
  const here = await H5Logger.openRun(path.join(cwd, run));
  t.after(() => here.close());
  const seenHere: Record<string, number> = {};
  const following = (async () => {
    let wrong = 0;
    for await (const { writer: w, start, rows } of here.follow(["loss"], { waitForWriter: true, pollEvery: 20 })) {
      assert.equal(start, seenHere[w] ?? 0, `${w}: rows yielded in order, none skipped`);
      const values = rows as Float64Array;
      const seed = start === 0 ? Math.round((values[0] as number) / 1e6) : Math.round(((values[0] as number) - start) / 1e6);
      values.forEach((v, k) => {
        if (v !== seed * 1e6 + start + k) wrong++;
      });
      seenHere[w] = start + values.length;
    }
    return wrong;
  })();
  const w2 = writer(cwd, t, [run, "w2", 2, "plain", "stop-paced", 50], true);
  const w3 = writer(cwd, t, [run, "w3", 3, "nosteps", 200_000, 50]);
  const threads = startNode(fixture("run_threads"), [run, "2", "150000", "default"], { test: t, cwd });
  await follower.waitFor((l) => l.event === "seen" && l.writer === "w1", "the follower seeing w1");
  // A late writer: followed from its first row.
  const w4 = writer(cwd, t, [run, "w4", 4, "swmr", 100_000, 50]);

  // The same name as a live writer, from another process and from this one: refused, naming the holder.
  await w2.waitFor(isEvent("rows"), "w2 logging");
  const pid = (await w1.waitFor(isEvent("open"))).pid as number;
  const dup = writer(cwd, t, [run, "w1", 9, "plain", 10]);
  const refused = await dup.waitFor(isEvent("refused"), "the duplicate refused");
  assert.equal(refused.kind, "Locked");
  assert.match(String(refused.message), new RegExp(`writer name "w1" is taken.*pid ${pid}`));
  refuses(() => H5Logger.inRun(path.join(cwd, run), { writer: "w2" }), "Locked", "w2.h5", /taken.*another process/);

  for (const child of [w3, threads, w4]) assert.equal((await child.exited).code, 0, child.stderr());
  w1.send("stop\n");
  w2.send("stop\n");
  const closed: Record<string, number> = {};
  for (const [name, child] of [
    ["w1", w1],
    ["w2", w2],
    ["w3", w3],
    ["w4", w4],
  ] as const) {
    closed[name] = (await child.waitFor(isEvent("closed"), `${name} closed`)).rows as number;
  }
  const threadFiles = ((await threads.waitFor(isEvent("done"))).files as string[]).map((f) => path.basename(f, ".h5"));
  assert.equal(threadFiles.length, 2);
  assert.notEqual(threadFiles[0], threadFiles[1], "each thread has its own default writer name");
  for (const name of threadFiles) {
    assert.match(name, new RegExp(`^${os.hostname().replace(/[^A-Za-z0-9._-]/g, "_")}-\\d+-t\\d+$`));
    closed[name] = 150_000;
  }

  const done = await follower.waitFor(isEvent("done"), "the follower's end");
  assert.deepEqual(done.wrong, []);
  assert.deepEqual(done.gaps, []);
  assert.deepEqual(done.rows, closed, "the other process's follower saw every row of every writer, the late one included");
  assert.equal(await following, 0, "no wrong row in this process's follower");
  assert.deepEqual(seenHere, closed, "this process's follower saw every row of every writer");

  here.refresh();
  assert.deepEqual(here.writers, [...Object.keys(closed)].sort());
  assert.ok(here.status().every((s) => s.state === "closed"));
  assert.deepEqual(here.attrs, { experiment: "fixture" });
  const seeds: Record<string, number> = { w1: 1, w2: 2, w3: 3, w4: 4 };
  threadFiles.forEach((name, k) => {
    seeds[name] = Math.round((here.reader(name).get("loss").at(0) as number) / 1e6);
    assert.ok(seeds[name] === 1 || seeds[name] === 2, `thread writer ${k}'s seed`);
  });
  if (have(t, "h5py")) {
    // Writers joined at once, from processes and threads: the index links every one of them.
    const linked = python<string[]>(
      `import sys, json, h5py
with h5py.File(sys.argv[1], "r") as f: print(json.dumps(sorted(f)))`,
      path.join(cwd, run, "index.h5"),
    );
    assert.deepEqual(linked, [...Object.keys(closed)].sort());
  }
  const loss = here.aggregate("loss");
  assert.equal(loss.alignedOn, "mixed", "w3 has no steps: its rows align by index");
  assertAggregate(
    loss,
    Object.entries(closed).map(([name, rows]) => ({ seed: seeds[name] as number, rows })),
  );
});

test("a writer killed mid-run leaves the others readable; `h5logger recover RUN` recovers it", async (t) => {
  const cwd = tempDir(t);
  const run = "exp";
  const plain = writer(cwd, t, [run, "w0", 1, "plain", 30_000]);
  const swmr = writer(cwd, t, [run, "w1", 2, "swmr", 40_000]);
  const killed = writer(cwd, t, [run, "w2", 3, "plain", "kill:50000", 20]);
  const killedSwmr = writer(cwd, t, [run, "w3", 4, "swmr", "kill:20000", 20]);
  for (const child of [killed, killedSwmr]) await child.waitFor(isEvent("flushed"), "a flush before the kill");
  killed.process.kill("SIGKILL");
  killedSwmr.process.kill("SIGKILL");
  for (const child of [plain, swmr, killed, killedSwmr]) await child.exited;

  using r = await H5Logger.openRun(path.join(cwd, run));
  assert.deepEqual(
    r.status().map((s) => [s.writer, s.state]),
    [
      ["w0", "closed"],
      ["w1", "closed"],
      ["w2", "crashed"],
      ["w3", "crashed"],
    ],
  );
  const rows = (w: string) => r.reader(w).get("loss").length;
  assert.equal(rows("w0"), 30_000);
  assert.equal(rows("w1"), 40_000);
  assert.ok(rows("w2") >= 50_000, `the killed writer's flushed rows are read (from a private copy): ${rows("w2")}`);
  assert.ok(rows("w3") >= 20_000, `the killed SWMR writer's flushed rows are read: ${rows("w3")}`);
  const counts = { w0: 30_000, w1: 40_000, w2: rows("w2"), w3: rows("w3") };
  assertAggregate(r.aggregate("loss"), [
    { seed: 1, rows: counts.w0 },
    { seed: 2, rows: counts.w1 },
    { seed: 3, rows: counts.w2 },
    { seed: 4, rows: counts.w3 },
  ]);
  r.close();

  const interop = have(t, "h5py");
  const READ_ALL = `import sys, json, h5py, numpy as np
out = {}
with h5py.File(sys.argv[1], "r", swmr=True) as f:
    for w in f:
        try:
            v = f[w + "/loss"][:]
            out[w] = [len(v), bool((v == np.round(v[0] / 1e6) * 1e6 + np.arange(len(v))).all())]
        except Exception as e:
            out[w] = str(e)
print(json.dumps(out))`;
  if (interop) {
    const before = python<Record<string, unknown>>(READ_ALL, path.join(cwd, run, "index.h5"));
    assert.deepEqual(before.w0, [30_000, true]);
    assert.match(String(before.w2), /unable to open external file/, "HDF5 refuses a crashed writer's file until it is recovered");
  }
  const recovered = spawnSync(process.execPath, [CLI, "recover", run], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  assert.equal(recovered.status, 0, recovered.stderr);
  assert.match(recovered.stdout, /w2: recovered/);
  assert.match(recovered.stdout, /w3: recovered/);
  assert.match(recovered.stdout, /w0: nothing to recover/);
  assert.match(recovered.stdout, /4 writers: 2 recovered/);
  using after = await H5Logger.openRun(path.join(cwd, run));
  assert.ok(after.status().every((s) => s.state === "closed"));
  if (interop) {
    const all = python<Record<string, unknown>>(READ_ALL, path.join(cwd, run, "index.h5"));
    assert.deepEqual(all, { w0: [30_000, true], w1: [40_000, true], w2: [counts.w2, true], w3: [counts.w3, true] });
  }
});

test("worker threads: each thread's logger writes its own file; a terminated worker's writer name is taken over in the same process", async (t) => {
  const cwd = tempDir(t);
  const threads = startNode(fixture("run_threads"), ["threads", "3", "50000", "default"], { test: t, cwd });
  assert.equal((await threads.exited).code, 0, threads.stderr());
  using r = await H5Logger.openRun(path.join(cwd, "threads"));
  assert.equal(r.writers.length, 3);
  const seeds = r.writers.map((w) => Math.round((r.reader(w).get("loss").at(0) as number) / 1e6)).sort();
  assert.deepEqual(seeds, [1, 2, 3]);
  assertAggregate(
    r.aggregate("loss"),
    seeds.map((seed) => ({ seed, rows: 50_000 })),
  );

  const term = startNode(fixture("run_threads"), ["term", "1", "20000", "terminate"], { test: t, cwd });
  const flushed = await term.waitFor(isEvent("flushed"), "the worker's flush");
  const takeover = await term.waitFor(isEvent("takeover"), "the main thread taking the name over");
  assert.equal(takeover.recovered, true, "the terminated worker's file was recovered by the next writer");
  assert.equal(takeover.staleThread, flushed.threadId, "the stale lock named the terminated thread");
  assert.equal((await term.exited).code, 0, term.stderr());
  using t2 = await H5Logger.openRun(path.join(cwd, "term"));
  const loss = t2.reader("w-term").get("loss");
  const steps = t2.reader("w-term").get("loss.step");
  const n = loss.length;
  assert.ok(n >= 20_010, `the flushed rows and the 10 appended: ${n}`);
  const values = loss.slice() as Float64Array;
  const stepValues = steps.slice() as BigInt64Array;
  for (let i = 0; i < n - 10; i++) assert.equal(values[i], 7e6 + i, `row ${i}`);
  for (let j = 0; j < 10; j++) {
    assert.equal(stepValues[n - 10 + j], BigInt(1e9 + j));
    assert.equal(values[n - 10 + j], 7e6 + 1e9 + j);
  }
});
