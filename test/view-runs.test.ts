/**
 * The viewer on runs of many writers (issue 13): how a folder of runs, a run folder and loose
 * files map to runs; each writer's series and the mean across writers with its min–max band
 * (`agg=mean`), against brute force over what the test logged; runs and writers that appear
 * while real processes write them, their rows pushed with the writer's name.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import type { RunInfo } from "../src/view/catalog.js";
import { startNode } from "./helpers/child.js";
import { tempDir } from "./helpers/interop.js";
import { CLI, fixture } from "./helpers/paths.js";
import { api, eventStream, viewer } from "./helpers/view.js";

/** Writer k of exp1, at step s: values that any sum of holds exactly, a NaN, an Inf, a repeated step. */
const WRITERS = [
  { name: "w0", steps: Array.from({ length: 200 }, (_, s) => s) },
  { name: "w1", steps: Array.from({ length: 100 }, (_, i) => 2 * i) },
  { name: "w2", steps: [...Array.from({ length: 60 }, (_, s) => s), 50] },
];
const value = (k: number, s: number, i: number) =>
  k === 1 && s === 6 ? Number.NaN : k === 2 && s === 7 ? Infinity : (s % 7) + k / 4 + i / 8;

/** logs/: exp1 (three writers), exp2 (one writer, no steps), sweep/lr=0.1, loose.h5, exp1/notes.hdf5. */
function logs(dir: string): string {
  const root = path.join(dir, "logs");
  WRITERS.forEach(({ name, steps }, k) => {
    const logger = H5Logger.inRun(path.join(root, "exp1"), { writer: name, steps: true, runAttrs: { lr: 0.1 }, attrs: { rank: k } });
    steps.forEach((s, i) => {
      logger.step = s;
      logger.log("loss", value(k, s, i));
      if (s % 10 === 0) logger.log("eval/acc", s / 200);
    });
    logger.close();
  });
  const solo = H5Logger.inRun(path.join(root, "exp2"), { writer: "solo" });
  for (let i = 0; i < 30; i++) solo.log("loss", i);
  solo.close();
  const sweep = H5Logger.inRun(path.join(root, "sweep", "lr=0.1"), { writer: "a", steps: true });
  sweep.log("loss", 1);
  sweep.close();
  for (const file of ["loose.h5", path.join("exp1", "notes.hdf5")]) {
    const logger = new H5Logger(path.join(root, file));
    logger.log("x", 1);
    logger.close();
  }
  return root;
}

/** What the test logged in exp1, per step: the mean of the values that are not NaN, and the smallest and largest finite one. */
function expected() {
  const at = new Map<number, number[]>();
  WRITERS.forEach(({ steps }, k) => {
    steps.forEach((s, i) => {
      at.set(s, [...(at.get(s) ?? []), value(k, s, i)]);
    });
  });
  return [...at.keys()]
    .sort((a, b) => a - b)
    .map((step) => {
      const values = (at.get(step) as number[]).filter((v) => !Number.isNaN(v));
      const finite = values.filter(Number.isFinite);
      return {
        step,
        mean: values.reduce((a, b) => a + b, 0) / values.length,
        lo: Math.min(...finite),
        hi: Math.max(...finite),
        count: values.length,
      };
    });
}

interface AggAnswer {
  rows: number;
  x: string;
  writers: string[];
  alignedOn: string;
  buckets: Record<"x0" | "x1" | "min" | "max" | "first" | "last" | "lo" | "hi", (number | null)[]> &
    Record<"count" | "nan" | "posInf" | "negInf", number[]>;
}

test("a folder of runs: subfolders are runs of their writers, loose files runs of one file; the mean across writers is exact", async (t) => {
  const root = logs(tempDir(t));
  const v = await viewer(t, [root]);
  const { body } = await api<{ runs: RunInfo[] }>(v, "/api/runs");
  const byName = new Map(body.runs.map((r) => [r.name, r]));
  assert.deepEqual([...byName.keys()], ["exp1", "exp1/notes", "exp2", "loose", "sweep/lr=0.1"]);
  const exp1 = byName.get("exp1") as RunInfo;
  assert.deepEqual(
    exp1.writers?.map((w) => [w.name, w.live, w.error, w.series.find((s) => s.name === "loss")?.rows]),
    [
      ["w0", false, null, 200],
      ["w1", false, null, 100],
      ["w2", false, null, 61],
    ],
  );
  assert.deepEqual(
    exp1.series.map((s) => [s.name, s.rows, s.hasStep]),
    [
      ["eval/acc", WRITERS.reduce((n, w) => n + w.steps.filter((s) => s % 10 === 0).length, 0), true],
      ["loss", 361, true],
    ],
  );
  assert.equal(byName.get("loose")?.writers, undefined, "a run of one file has no writers");
  assert.ok(!JSON.stringify(body).includes("index"), "index.h5 is neither a run nor a writer");
  const id = exp1.id;

  // The run's attributes come from its index, each writer's from its file.
  const attrs = await api<{ attrs: unknown; writers: { name: string; attrs: unknown }[] }>(v, `/api/run?run=${id}`);
  assert.deepEqual(attrs.body.attrs, { lr: 0.1 });
  assert.deepEqual(
    attrs.body.writers.map((w) => [w.name, w.attrs]),
    [
      ["w0", { rank: 0 }],
      ["w1", { rank: 1 }],
      ["w2", { rank: 2 }],
    ],
  );

  // One writer's series by name; without a writer, the request must say which (or agg=mean).
  const several = await api<{ error: string }>(v, `/api/series?run=${id}&name=loss`);
  assert.equal(several.status, 400);
  assert.match(several.body.error, /w0, w1, w2.*writer=NAME, or agg=mean/);
  assert.equal((await api(v, `/api/series?run=${id}&name=loss&writer=nope`)).status, 404);
  const w1 = await api<{ buckets: { count: number[]; nan: number[]; max: number[] } }>(
    v,
    `/api/series?run=${id}&name=loss&writer=w1&buckets=1&x=step`,
  );
  const w1Values = WRITERS[1]?.steps.map((s, i) => value(1, s, i)) as number[];
  assert.deepEqual(
    [w1.body.buckets.count[0], w1.body.buckets.nan[0], w1.body.buckets.max[0]],
    [99, 1, Math.max(...w1Values.filter(Number.isFinite))],
  );
  assert.equal(
    (await api(v, `/api/series?run=${byName.get("exp2")?.id}&name=loss&buckets=1`)).status,
    200,
    "a run where one writer has it",
  );

  // The mean and band, bucket by bucket, over the steps each bucket claims.
  const steps = expected();
  for (const q of ["buckets=1", "buckets=13", "buckets=50&from=20&to=120", "buckets=1000&smooth=0"]) {
    const { status, body: agg } = await api<AggAnswer>(v, `/api/series?run=${id}&name=loss&agg=mean&${q}`);
    assert.equal(status, 200, q);
    assert.deepEqual([agg.x, agg.writers, agg.alignedOn], ["step", ["w0", "w1", "w2"], "step"]);
    assert.equal(agg.rows, steps.length);
    const b = agg.buckets;
    let covered = 0;
    for (let i = 0; i < b.x0.length; i++) {
      const inside = steps.filter((s) => s.step >= (b.x0[i] as number) && s.step <= (b.x1[i] as number));
      const means = inside.map((s) => s.mean).filter(Number.isFinite);
      assert.deepEqual(
        [b.min[i], b.max[i], b.first[i], b.last[i], b.count[i], b.posInf[i], b.lo[i], b.hi[i]],
        [
          // A bucket where no mean is finite (here: +Inf only) has no line to draw.
          means.length ? Math.min(...means) : null,
          means.length ? Math.max(...means) : null,
          means[0] ?? null,
          means.at(-1) ?? null,
          means.length,
          inside.length - means.length,
          Math.min(...inside.map((s) => s.lo)),
          Math.max(...inside.map((s) => s.hi)),
        ],
        `${q}: bucket ${i}`,
      );
      covered += inside.length;
    }
    const [from, to] = [Number(/from=(\d+)/.exec(q)?.[1] ?? 0), Number(/to=(\d+)/.exec(q)?.[1] ?? 1e9)];
    assert.equal(covered, steps.filter((s) => s.step >= from && s.step <= to).length, `${q}: every step in range once`);
  }

  // The step under the cursor, and the CSV of every step.
  const point = await api<Record<string, unknown>>(v, `/api/point?run=${id}&name=loss&agg=mean&x=step&at=50`);
  const at50 = steps.find((s) => s.step === 50);
  assert.deepEqual(
    [point.body.step, point.body.value, point.body.lo, point.body.hi, point.body.count],
    [50, at50?.mean, at50?.lo, at50?.hi, 4],
  );
  const csv = await api<string>(v, `/api/csv?run=${id}&name=loss&agg=mean`);
  assert.equal(
    csv.body,
    `step,loss mean,min,max,count\n${steps.map((s) => `${s.step},${s.mean === Infinity ? "inf" : s.mean},${s.lo},${s.hi},${s.count}`).join("\n")}\n`,
  );
  assert.equal((await api(v, `/api/series?run=${id}&name=loss&agg=mean&x=time`)).status, 400, "the mean is by step");
  assert.equal((await api(v, `/api/series?run=${id}&name=loss&agg=median`)).status, 400);
  assert.equal((await api(v, `/api/series?run=${id}&name=nope&agg=mean`)).status, 404);
  const solo = await api<AggAnswer>(v, `/api/series?run=${byName.get("exp2")?.id}&name=loss&agg=mean&buckets=1`);
  assert.deepEqual([solo.body.x, solo.body.alignedOn, solo.body.buckets.max[0]], ["row", "row", 29]);

  // A run folder given itself is that run; a writer's file given itself is a run of one file.
  const direct = await viewer(t, [path.join(root, "exp1"), path.join(root, "exp2", "solo.h5")]);
  const list = (await api<{ runs: RunInfo[] }>(direct, "/api/runs")).body.runs;
  assert.deepEqual(
    list.map((r) => [r.name, r.writers?.map((w) => w.name) ?? null]),
    [
      ["exp1", ["w0", "w1", "w2"]],
      ["solo", null],
    ],
  );
});

test("runs and writers appear as real processes write them; their rows are pushed with the writer's name; the mean follows", {
  timeout: 120_000,
}, async (t) => {
  const root = tempDir(t);
  const v = await viewer(t, [root]);
  const events = await eventStream(t, v);
  const run = path.join(root, "exp");
  const runOf = (e: { data: unknown }) => (e.data as { runs?: RunInfo[] }).runs?.find((r) => r.name === "exp");
  const writers = (e: { data: unknown }) =>
    runOf(e)
      ?.writers?.map((w) => w.name)
      .join() ?? "";

  const a = startNode(fixture("run_writer"), [run, "a", "3", "swmr", "stop-paced"], { test: t, stdin: true });
  await a.waitFor((l) => l.event === "rows");
  const first = runOf(await events.until((e) => e.event === "runs" && writers(e) === "a")) as RunInfo;
  await events.until((e) => e.event === "rows" && (e.data as { run: string; writer?: string }).writer === "a");

  const b = startNode(fixture("run_writer"), [run, "b", "5", "plain", "stop-paced", "50"], { test: t, stdin: true });
  await b.waitFor((l) => l.event === "rows");
  await events.until((e) => e.event === "runs" && writers(e) === "a,b");
  await events.until((e) => e.event === "rows" && (e.data as { writer?: string }).writer === "b");
  // While both write, the mean answers with both writers.
  const live = await api<AggAnswer>(v, `/api/series?run=${first.id}&name=loss&agg=mean&buckets=1`);
  assert.equal(live.status, 200);
  assert.deepEqual(live.body.writers, ["a", "b"]);

  a.send("stop");
  b.send("stop");
  const rowsA = (await a.waitFor((l) => l.event === "closed")).rows as number;
  const rowsB = (await b.waitFor((l) => l.event === "closed")).rows as number;
  const final = (e: { data: unknown }) => {
    const w = runOf(e)?.writers ?? [];
    const rows = (name: string) => w.find((x) => x.name === name)?.series.find((s) => s.name === "loss")?.rows;
    return rows("a") === rowsA && rows("b") === rowsB && w.every((x) => !x.live);
  };
  await events.until((e) => e.event === "runs" && final(e));

  // loss at step i is SEED·1e6 + i (test/fixtures/run_writer.ts): every sum here is exact.
  const agg = await api<AggAnswer>(v, `/api/series?run=${first.id}&name=loss&agg=mean&buckets=1`);
  const steps = Math.max(rowsA, rowsB);
  const both = Math.min(rowsA, rowsB);
  const means = Array.from({ length: steps }, (_, i) => (i < both ? (3e6 + i + 5e6 + i) / 2 : rowsA > rowsB ? 3e6 + i : 5e6 + i));
  assert.equal(agg.body.rows, steps);
  assert.deepEqual(
    [agg.body.buckets.min[0], agg.body.buckets.max[0], agg.body.buckets.first[0], agg.body.buckets.last[0], agg.body.buckets.count[0]],
    [means.reduce((a, m) => Math.min(a, m)), means.reduce((a, m) => Math.max(a, m)), means[0], means.at(-1), steps],
  );
  assert.deepEqual([agg.body.buckets.lo[0], agg.body.buckets.hi[0]], [3e6, 5e6 + rowsB - 1]);
  assert.ok(fs.existsSync(path.join(run, "index.h5")));
});

test("h5logger view runs/, typed in the folder where writers joined runs/exp1 by relative names, shows the run and its writers", {
  timeout: 120_000,
}, async (t) => {
  const dir = tempDir(t);
  for (const [writer, seed] of [
    ["a", "3"],
    ["b", "5"],
  ] as const) {
    const w = startNode(fixture("run_writer"), ["runs/exp1", writer, seed, "plain", "100"], { test: t, cwd: dir });
    await w.waitFor((l) => l.event === "closed");
  }
  const view = startNode(CLI, ["view", "runs/", "--port", "0"], { test: t, cwd: dir });
  const line = await view.waitFor((l) => typeof l.text === "string" && l.text.startsWith("h5logger view: http"), "the viewer's URL");
  const url = new URL(/http\S+/.exec(line.text as string)?.[0] as string);
  const res = await fetch(`${url.origin}/api/runs?token=${url.searchParams.get("token")}`);
  const { runs } = (await res.json()) as { runs: RunInfo[] };
  assert.deepEqual(
    runs.map((r) => [r.name, r.writers?.map((w) => [w.name, w.series.find((s) => s.name === "loss")?.rows])]),
    [
      [
        "exp1",
        [
          ["a", 100],
          ["b", 100],
        ],
      ],
    ],
  );
});
