/**
 * Runs in one process: `H5Logger.inRun` (files, index, names, run attributes, refusals that
 * create nothing) and `H5Logger.openRun` (writers, keys, status, aggregate). The aggregate is
 * checked against h5py reading each writer's file and Python's math.fsum, min, max.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { H5Logger, H5Run, isH5LoggerError } from "../src/index.js";
import { have, python, tempDir } from "./helpers/interop.js";
import { refuses } from "./helpers/refuses.js";

/** Per step across writers, from h5py and Python: [step, fsum/n, min, max, count], NaNs left out. */
const BRUTE_FORCE = `
import sys, json, math, os, h5py
from collections import defaultdict
run, name = sys.argv[1], sys.argv[2]
at = defaultdict(list)
for f in sorted(os.listdir(run)):
    if not f.endswith(".h5") or f == "index.h5": continue
    with h5py.File(os.path.join(run, f), "r") as h:
        if name not in h: continue
        v = h[name][:]
        s = h[name + ".step"][:len(v)] if name + ".step" in h else range(len(v))
        for step, x in zip(s, v): at[int(step)].append(float(x))
def r(x): return "NaN" if math.isnan(x) else "Infinity" if x == math.inf else "-Infinity" if x == -math.inf else repr(x)
out = []
for step in sorted(at):
    xs = [x for x in at[step] if not math.isnan(x)]
    out.append([step, r(math.fsum(xs) / len(xs)) if xs else "NaN", r(min(xs)) if xs else "NaN", r(max(xs)) if xs else "NaN", len(xs)])
print(json.dumps(out))
`;

function checkAggregate(run: string, name: string, agg: ReturnType<H5Run["aggregate"]>): void {
  const truth = python<[number, string, string, string, number][]>(BRUTE_FORCE, run, name);
  assert.equal(agg.step.length, truth.length, "one entry per distinct step");
  truth.forEach(([step, mean, min, max, count], i) => {
    assert.equal(agg.step[i], step, `step of entry ${i}`);
    assert.equal(agg.count[i], count, `count at step ${step}`);
    for (const [what, ours, theirs] of [
      ["mean", agg.mean[i], mean],
      ["min", agg.min[i], min],
      ["max", agg.max[i], max],
    ] as const) {
      assert.ok(
        Object.is(ours, Number(theirs)) || (ours === 0 && Number(theirs) === 0),
        `${what} at step ${step}: ${theirs}, ours ${ours}`,
      );
    }
  });
}

/** A seeded generator: the same values every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test("inRun writes FOLDER/<writer>.h5, creates the folder, and links every writer from index.h5", (t) => {
  const dir = tempDir(t);
  const run = path.join(dir, "runs", "exp1");
  const a = H5Logger.inRun(run, { writer: "w0" });
  assert.ok(a instanceof H5Logger);
  assert.equal(a.filename, path.join(run, "w0.h5"));
  a.log("train/loss", 1);
  const b = H5Logger.inRun(run, { writer: "w1", steps: true });
  b.log("train/loss", 2);
  a.close();
  b.close();
  assert.deepEqual(fs.readdirSync(run).sort(), ["index.h5", "w0.h5", "w1.h5"]);
  // The index changes only when a writer joins: a writer coming back leaves it as it is.
  const inode = fs.statSync(path.join(run, "index.h5")).ino;
  H5Logger.inRun(run, { writer: "w0" }).close();
  assert.equal(fs.statSync(path.join(run, "index.h5")).ino, inode, "rejoining does not rewrite the index");
  if (!have(t, "h5py")) return;
  const links = python<Record<string, unknown>>(
    `import sys, json, h5py
with h5py.File(sys.argv[1], "r", swmr=True) as f:
    out = {k: [f.get(k, getlink=True).filename, f.get(k, getlink=True).path, float(f[k + "/train/loss"][0])] for k in f}
print(json.dumps(out))`,
    path.join(run, "index.h5"),
  );
  assert.deepEqual(links, { w0: ["w0.h5", "/", 1], w1: ["w1.h5", "/", 2] });
});

test("the default writer name is unique to the process and thread; a name a live writer holds is refused", (t) => {
  const run = path.join(tempDir(t), "run");
  const mine = H5Logger.inRun(run);
  t.after(() => mine.close());
  assert.match(path.basename(mine.filename), new RegExp(`-${process.pid}\\.h5$`));
  const taken = path.basename(mine.filename, ".h5");
  refuses(
    () => H5Logger.inRun(run, { writer: taken }),
    "Locked",
    path.join(run, `${taken}.h5`),
    new RegExp(`writer name "${taken}" is taken.*pid ${process.pid}`),
  );
  mine.log("x", 1);
  mine.close();
  // Once closed, the name is free again: the file is appended to.
  const again = H5Logger.inRun(run, { writer: taken });
  again.log("x", 2);
  again.close();
  using run2 = H5Logger.openSync(path.join(run, `${taken}.h5`));
  assert.deepEqual([...(run2.get("x").slice() as Float64Array)], [1, 2]);
});

test("bad input to inRun is refused with an error that names the problem, and creates nothing", (t) => {
  const dir = tempDir(t);
  const run = path.join(dir, "new-run");
  const cases: [unknown, unknown, string, RegExp][] = [
    [run, { writer: "a/b" }, "a/b", /path separator/],
    [run, { writer: ".." }, "..", /not a file name/],
    [run, { writer: "" }, "writer name", /is empty/],
    [run, { writer: "index" }, "index", /index\.h5/],
    [run, { writer: 7 }, "writer name", /must be a string/],
    [run, { writer: "w0", flushEvery: -1 }, "flushEvery", /positive/],
    [run, { writer: "w0", bogus: true }, "bogus", /unknown/i],
    [run, { writer: "w0", runAttrs: "lr=1" }, "runAttrs", /object of attributes/],
    [run, { writer: "w0", runAttrs: { "": 1 } }, "attribute", /reserved or empty/],
    [run, [], "options", /must be an object/],
    ["", {}, "run folder", /non-empty string/],
    [42, {}, "run folder", /non-empty string/],
  ];
  for (const [folder, options, mentions, problem] of cases) {
    assert.throws(
      () => H5Logger.inRun(folder as string, options as never),
      (err: unknown) => isH5LoggerError(err) && err.message.includes(mentions) && problem.test(err.message),
      `inRun(${JSON.stringify(folder)}, ${JSON.stringify(options)})`,
    );
    assert.equal(fs.existsSync(run), false, `nothing created for ${JSON.stringify(options)}`);
  }
  const file = path.join(dir, "a-file");
  fs.writeFileSync(file, "not a folder");
  refuses(() => H5Logger.inRun(file, { writer: "w0" }), "File", file, /is a file, not a run folder/);
});

test("run attributes are given once: the same again or new ones are kept, a different value is refused", async (t) => {
  const run = path.join(tempDir(t), "run");
  H5Logger.inRun(run, { writer: "w0", runAttrs: { lr: 0.1, model: { layers: [64, 64] }, tags: ["a", "b"] } }).close();
  H5Logger.inRun(run, { writer: "w1", runAttrs: { lr: 0.1, model: { layers: [64, 64] } } }).close();
  H5Logger.inRun(run, { writer: "w2", runAttrs: { seed: 3n, tuned: true } }).close();
  refuses(() => H5Logger.inRun(run, { writer: "w3", runAttrs: { lr: 0.2 } }), "InvalidOption", '"lr"', /is already 0\.1.*given once.*0\.2/);
  assert.equal(fs.existsSync(path.join(run, "w3.h5")), false, "the refused writer's file is not created");
  using reader = await H5Logger.openRun(run);
  assert.deepEqual(reader.attrs, { lr: 0.1, model: { layers: [64, 64] }, tags: ["a", "b"], seed: 3n, tuned: true });
  assert.deepEqual(reader.writers, ["w0", "w1", "w2"]);
  if (!have(t, "h5py")) return;
  const attrs = python<Record<string, unknown>>(
    `import sys, json, h5py
with h5py.File(sys.argv[1], "r") as f: print(json.dumps({"lr": float(f.attrs["lr"]), "model": json.loads(f.attrs["model"]), "seed": int(f.attrs["seed"])}))`,
    path.join(run, "index.h5"),
  );
  assert.deepEqual(attrs, { lr: 0.1, model: { layers: [64, 64] }, seed: 3 });
});

test("openRun: writers, keys, status, a writer's reader; unknown names are clear errors", async (t) => {
  const dir = tempDir(t);
  const run = path.join(dir, "run");
  const a = H5Logger.inRun(run, { writer: "b", steps: true });
  a.log("loss", 1);
  a.log("eval/acc", 0.5);
  a.close();
  const live = H5Logger.inRun(run, { writer: "a" });
  live.log("loss", 2);
  live.flush();
  fs.writeFileSync(path.join(run, "junk.h5"), "not HDF5");
  fs.writeFileSync(path.join(run, "notes.txt"), "not a writer");
  using r = await H5Logger.openRun(run);
  assert.deepEqual(r.writers, ["a", "b", "junk"]);
  assert.equal(r.name, "run");
  assert.deepEqual(r.keys(), ["eval/acc", "eval/acc.step", "loss", "loss.step"]);
  assert.deepEqual(
    r.status().map((s) => [s.writer, s.state]),
    [
      ["a", "live"],
      ["b", "closed"],
      ["junk", "unreadable"],
    ],
  );
  assert.deepEqual([...(r.reader("b").get("loss").slice() as Float64Array)], [1]);
  refuses(() => r.reader("nobody"), "InvalidName", "nobody", /no such writer in run .*writers: a, b, junk/);
  refuses(() => r.reader("junk"), "File", "junk.h5", /cannot be read yet/);
  const own = await r.open("b");
  assert.deepEqual([...(own.get("eval/acc").slice() as Float64Array)], [0.5]);
  own.close();
  await assert.rejects(r.open("nobody"), /no such writer/);
  refuses(() => r.aggregate("nothing"), "InvalidName", "nothing", /no writer of run .* has it \(series: eval\/acc, loss\)/);
  // Each writer's line of a chart: steps from its step column, or its row index.
  live.step = 5;
  live.log("loss", 3);
  live.flush();
  r.refresh();
  assert.deepEqual(
    r.series("loss").map((s) => [s.writer, [...s.step], [...s.value]]),
    [
      ["a", [0, 1], [2, 3]],
      ["b", [0], [1]],
    ],
  );
  live.close();
  r.refresh();
  assert.equal(r.status()[0]?.state, "closed");
  r.close();
  refuses(() => r.keys(), "Closed", "run", /is closed/);
  // A folder of runs lists its runs; a run is not a folder of runs.
  fs.mkdirSync(path.join(dir, "empty-run"));
  assert.deepEqual(
    H5Run.list(dir).map((s) => [s.name, s.writers]),
    [
      ["empty-run", []],
      ["run", ["a", "b", "junk"]],
    ],
  );
  assert.equal(H5Run.isRun(run), true);
  assert.equal(H5Run.isRun(dir), false);
  await assert.rejects(H5Logger.openRun(path.join(dir, "missing"), { timeout: 0 }), /no such run folder/);
});

test("aggregate: per step across writers, exact, against h5py and math.fsum", async (t) => {
  if (!have(t, "h5py")) return;
  const run = path.join(tempDir(t), "run");
  const random = seeded(7);
  // Four writers with steps (gaps, repeats, different lengths), one aligned by row index, NaNs and infinities among values.
  for (let w = 0; w < 4; w++) {
    const logger = H5Logger.inRun(run, { writer: `w${w}`, steps: true });
    let step = 0;
    for (let i = 0; i < 3000 + w * 700; i++) {
      step += Math.floor(random() * 3); // 0: the same step again
      logger.step = step;
      const x = random() < 0.01 ? Number.NaN : (random() - 0.5) * 10 ** Math.floor(random() * 10 - 5);
      logger.log("loss", x);
      if (i % 50 === 0) logger.log("eval/acc", random());
    }
    logger.close();
  }
  const byRow = H5Logger.inRun(run, { writer: "rows" });
  for (let i = 0; i < 2000; i++) byRow.log("loss", i === 5 ? Number.POSITIVE_INFINITY : random());
  byRow.log("note", "strings are not aggregated");
  byRow.close();
  using r = await H5Logger.openRun(run);
  const loss = r.aggregate("loss");
  assert.equal(loss.alignedOn, "mixed");
  assert.deepEqual(loss.writers, ["rows", "w0", "w1", "w2", "w3"]);
  for (const a of [loss.step, loss.mean, loss.min, loss.max, loss.count]) assert.equal(a.length, loss.step.length);
  assert.ok(
    loss.step.every((s, i) => i === 0 || s > (loss.step[i - 1] as number)),
    "steps ascend, each once",
  );
  checkAggregate(run, "loss", loss);
  const acc = r.aggregate("eval/acc");
  assert.equal(acc.alignedOn, "step");
  assert.deepEqual(acc.writers, ["w0", "w1", "w2", "w3"]);
  checkAggregate(run, "eval/acc", acc);
  refuses(() => r.aggregate("note"), "InvalidName", "note", /not a series of numbers in writer rows/);
});

test("aggregate: a writer whose steps go back (a resumed run) is merged in step order", async (t) => {
  if (!have(t, "h5py")) return;
  const run = path.join(tempDir(t), "run");
  const random = seeded(11);
  for (const w of ["w0", "w1"]) {
    for (let session = 0; session < 2; session++) {
      // Each session starts again from step 0, appending to the same file.
      const logger = H5Logger.inRun(run, { writer: w, steps: true });
      for (let step = 0; step < 20_000; step += 1 + Math.floor(random() * 5)) {
        logger.step = step;
        logger.log("loss", Math.round(random() * 1000) / 8);
      }
      logger.close();
    }
  }
  using r = await H5Logger.openRun(run);
  const loss = r.aggregate("loss");
  assert.ok(
    loss.step.every((s, i) => i === 0 || s > (loss.step[i - 1] as number)),
    "steps ascend, each once",
  );
  checkAggregate(run, "loss", loss);
});
