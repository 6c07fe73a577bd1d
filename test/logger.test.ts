/**
 * Behaviour of the public logger API (imported from src/index.ts), checked through h5py as
 * the independent reader: the walk-through, buffering, every bad input the issue lists,
 * declarations, steps and timestamps, attributes, the memory bound, and what reaches the
 * disk when the process ends in various ways (forked fixture programs, killed or not).
 * Expected values are written by hand or from formulas in this file.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger, type H5LoggerErrorKind } from "../src/index.js";

import { clearConsistencyFlags, readSuperblock } from "../src/recovery/superblock.js";
import { type Child, startNode } from "./helpers/child.js";
import { h5pyRead, h5pyValues, have, python, sha256, snapshot, tempCwd } from "./helpers/interop.js";
import { fixture } from "./helpers/paths.js";
import { refuses } from "./helpers/refuses.js";

/** `n` values 0, 1, ..., n-1 as h5py returns a float64 dataset. */
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Assert that `fn` throws an h5logger error of `kind` whose message names `dataset` and matches `problem`. */

test("the walk-through: log ten draws, read them back like h5py", async (t) => {
  const dir = tempCwd(t);
  const logger = new H5Logger(path.join(dir, "logging_data"), { replaceIfExists: true });
  assert.equal(logger.filename, path.join(dir, "logging_data.h5"));
  const draws = [0, 1, 1, 0, 1, 1, 1, 1, 1, 1];
  for (const n of draws) logger.log("number", n);
  logger.close();

  const data = await H5Logger.open(logger.filename);
  assert.equal(String(data.get("number")), '<HDF5 dataset "number": shape (10,), type "<f8">');
  assert.deepEqual(data.get("number").slice(0, 10), Float64Array.of(0, 1, 1, 0, 1, 1, 1, 1, 1, 1));
  data.close();

  if (!have(t, "h5py")) return;
  const { datasets } = h5pyRead(logger.filename);
  assert.deepEqual(Object.keys(datasets), ["number"]);
  assert.equal(datasets.number.dtype, "<f8");
  assert.deepEqual(datasets.number.shape, [10]);
  assert.deepEqual(datasets.number.maxshape, [null]);
  assert.deepEqual(datasets.number.value, [0, 1, 1, 0, 1, 1, 1, 1, 1, 1]);
});

describe("buffering", () => {
  test("rows wait in memory and reach the disk on flush(); close() twice is fine", (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempCwd(t);
    const file = path.join(dir, "buffered.h5");
    const logger = new H5Logger(file, { flushEvery: 60_000 });
    for (let i = 0; i < 5; i++) logger.log("x", i);
    const before = h5pyRead(snapshot(file, dir)).datasets;
    assert.ok(!("x" in before) || before.x.shape[0] === 0, "rows reached the disk before flush()");

    logger.flush();
    assert.deepEqual(h5pyValues(snapshot(file, dir)).x, [0, 1, 2, 3, 4]);

    logger.log("x", 5);
    logger.log("x", 6);
    const reader = logger.open(); // flushes, and shares the logger's file
    assert.equal(reader.get("x").length, 7);
    assert.deepEqual(reader.get("x").value, Float64Array.of(0, 1, 2, 3, 4, 5, 6));
    reader.close(); // leaves the logger open
    logger.log("x", 7);
    logger.close();
    logger.close();
    assert.deepEqual(h5pyValues(file).x, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test("flushEvery flushes by itself while the event loop is free", async (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempCwd(t);
    const file = path.join(dir, "timer.h5");
    const logger = new H5Logger(file, { flushEvery: 100 });
    t.after(() => logger.close());
    logger.log("x", 1.5);
    logger.log("x", 2.5);
    await sleep(500);
    assert.deepEqual(h5pyValues(snapshot(file, dir)).x, [1.5, 2.5]);
  });

  test("`using` closes the logger at the end of the block", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempCwd(t), "using.h5");
    {
      using logger = new H5Logger(file);
      assert.equal(typeof logger[Symbol.dispose], "function");
      logger.log("y", 1);
      logger.log("y", 2);
    }
    // h5py (HDF5 1.10) refuses a file whose writer did not close it, so opening it proves the close.
    assert.equal(readSuperblock(file).openForWrite, false);
    assert.deepEqual(h5pyValues(file), { y: [1, 2] });
  });

  test("a small maxBufferBytes bounds memory; every row still arrives", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempCwd(t), "bounded.h5");
    const logger = new H5Logger(file, { maxBufferBytes: 4096, flushEvery: 60_000 });
    for (let i = 0; i < 20_000; i++) {
      logger.log("x", i / 4);
      if (i % 50 === 0)
        logger.log(
          "v",
          Float64Array.from({ length: 64 }, (_, j) => i + j),
        );
      if (i % 100 === 0) logger.log("s", `row ${i}`);
      if (i % 4000 === 0)
        logger.log(
          "big",
          Float64Array.from({ length: 1000 }, (_, j) => i + j),
        ); // one row > maxBufferBytes
    }
    logger.close();
    const got = h5pyValues(file);
    assert.deepEqual(
      got.x,
      Array.from({ length: 20_000 }, (_, i) => i / 4),
    );
    assert.deepEqual(
      got.v,
      Array.from({ length: 400 }, (_, r) => Array.from({ length: 64 }, (_, j) => r * 50 + j)),
    );
    assert.deepEqual(
      got.s,
      Array.from({ length: 200 }, (_, r) => `row ${r * 100}`),
    );
    assert.deepEqual(
      got.big,
      Array.from({ length: 5 }, (_, r) => Array.from({ length: 1000 }, (_, j) => r * 4000 + j)),
    );
  });

  test("maxBufferBytes also bounds long strings: they do not pile up in memory", (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempCwd(t);
    const file = path.join(dir, "strings.h5");
    const logger = new H5Logger(file, { maxBufferBytes: 1 << 20, flushEvery: 60_000 });
    t.after(() => logger.close());
    const before = process.memoryUsage().rss;
    let peak = 0;
    // 512 MiB of strings in all; were they all held until a flush, RSS would grow by as much.
    for (let i = 0; i < 64; i++) {
      logger.log("s", `${i}:`.padEnd(8 << 20, "x"));
      peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    assert.ok(peak < 200 << 20, `RSS grew by ${peak >> 20} MiB while logging 512 MiB of strings with maxBufferBytes 1 MiB`);
    logger.close();
    const lengths = python<number[]>(
      "import sys, json, h5py\nwith h5py.File(sys.argv[1]) as f: print(json.dumps([len(x) for x in f['s'][:]]))",
      file,
    );
    assert.deepEqual(lengths, Array(64).fill(8 << 20));
  });
});

test("every bad input: a clear error, nothing written, the logger still usable, earlier data intact", (t) => {
  if (!have(t, "h5py")) return;
  const dir = tempCwd(t);
  const file = path.join(dir, "bad.h5");
  const logger = new H5Logger(file);
  logger.log("loss", 0.5);
  logger.log("vec", [1, 2, 3]);
  logger.log("count", 1n);
  logger.log("m", [
    [1, 2],
    [3, 4],
  ]);
  logger.log("a/b", 1);
  logger.log("s", "first");

  const loss = [0.5];
  let next = 1;
  /** One bad call, then a good one on an existing dataset: the logger keeps working. */
  const bad = (call: () => unknown, kind: H5LoggerErrorKind, dataset: string, problem: RegExp) => {
    refuses(call, kind, dataset, problem);
    logger.log("loss", next);
    loss.push(next++);
  };
  const unsupported = /cannot log .*; log a number, bigint, boolean, string, typed array/;

  // Row shape mismatch.
  bad(() => logger.log("vec", [1, 2]), "InvalidValue", "vec", /row shape \(2,\) does not match the dataset's row shape \(3,\)/);
  bad(() => logger.log("vec", 5), "InvalidValue", "vec", /row shape \(\) does not match the dataset's row shape \(3,\)/);
  bad(() => logger.log("m", new Float64Array(4)), "InvalidValue", "m", /row shape \(4,\) does not match the dataset's row shape \(2, 2\)/);
  // Dtype mismatch, never a silent conversion.
  bad(() => logger.log("loss", "text"), "InvalidValue", "loss", /got "text"; this dataset holds float64/);
  bad(() => logger.log("loss", 1n), "InvalidValue", "loss", /bigint/);
  bad(() => logger.log("count", 0.5), "InvalidValue", "count", /0\.5 is not an integer; this dataset holds int64/);
  bad(() => logger.log("count", 2n ** 63n), "InvalidValue", "count", /outside the int64 range/);
  bad(() => logger.log("s", 5), "InvalidValue", "s", /this dataset holds strings/);
  bad(() => logger.log("s", "a\0b"), "InvalidValue", "s", /NUL/);
  bad(() => logger.log("loss", 1, { dtype: "int64" }), "InvalidValue", "loss", /dtype int64 asked, but the dataset holds float64/);
  // Ragged nested arrays, into an existing dataset and as a first value.
  bad(() => logger.log("m", [[1, 2], [3]]), "InvalidValue", "m", /ragged nested array/);
  bad(() => logger.log("m", [[1, 2], 3]), "InvalidValue", "m", /ragged nested array/);
  bad(() => logger.log("ragged", [[1, 2], [3]]), "InvalidValue", "ragged", /ragged nested array/);
  // Bad names.
  bad(() => logger.log("", 1), "InvalidName", 'dataset name ""', /is empty/);
  bad(() => logger.log("a/./c", 1), "InvalidName", "a/./c", /has a '\.' segment/);
  bad(() => logger.log("./x", 1), "InvalidName", "./x", /has a '\.' segment/);
  bad(() => logger.log("a/../x", 1), "InvalidName", "a/../x", /has a '\.\.' segment/);
  bad(() => logger.log("..", 1), "InvalidName", "..", /has a '\.\.' segment/);
  bad(() => logger.log("a//x", 1), "InvalidName", "a//x", /empty segment/);
  bad(() => logger.log("loss.step", 1), "InvalidName", "loss.step", /reserved/);
  bad(() => logger.log(5 as never, 1), "InvalidName", "5", /must be a string/);
  // Collisions with a group and with a dataset.
  bad(() => logger.log("a", 1), "InvalidName", "a", /is a group/);
  bad(() => logger.log("a/b/c", 1), "InvalidName", "a/b/c", /a\/b is a dataset/);
  bad(() => logger.log("loss/x", 1), "InvalidName", "loss/x", /loss is a dataset/);
  // Values h5logger cannot store, into an existing dataset and as a first value.
  for (const [value, what] of [
    [undefined, "undefined"],
    [null, "null"],
    [{ a: 1 }, "a plain object"],
    [() => 1, "a function"],
    [Symbol("x"), "a symbol"],
  ] as const) {
    bad(() => logger.log("loss", value), "InvalidValue", "loss", new RegExp(`cannot log ${what}`));
    bad(() => logger.log("new_one", value), "InvalidValue", "new_one", unsupported);
  }
  // Unknown or bad log() options: the row is not written either.
  bad(() => logger.log("loss", 99, { dtyp: "int" } as never), "InvalidOption", "loss", /unknown option "dtyp"/);
  bad(() => logger.log("loss", 99, { step: 0.5 }), "InvalidOption", "loss", /step must be an integer/);
  bad(() => logger.log("fresh", 99, { dtype: "complex" } as never), "InvalidOption", "fresh", /unknown dtype "complex"/);
  // A failed first log leaves the name free: the next log chooses the dtype afresh.
  bad(() => logger.log("i8", 300, { dtype: "int8" }), "InvalidValue", "i8", /300 is outside the int8 range/);
  logger.log("i8", 0.25);

  // Every dataset still takes rows, a leading / included.
  logger.log("vec", [4, 5, 6]);
  logger.log("count", 2);
  logger.log("m", [
    [5, 6],
    [7, 8],
  ]);
  logger.log("a/b", 2);
  logger.log("/a/b", 3);
  logger.log("s", "second");
  logger.close();

  // Logging after close().
  refuses(() => logger.log("loss", 1), "Closed", "loss", /closed/);
  refuses(() => logger.flush(), "Closed", file, /closed/);

  const got = h5pyRead(file);
  assert.deepEqual(got.groups, ["a"]);
  assert.deepEqual(Object.fromEntries(Object.entries(got.datasets).map(([name, d]) => [name, [d.dtype, d.value]])), {
    loss: ["<f8", loss],
    vec: [
      "<f8",
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ],
    count: ["<i8", [1n, 2n]],
    m: [
      "<f8",
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ],
    ],
    "a/b": ["<f8", [1, 2, 3]],
    s: ["|O", ["first", "second"]],
    i8: ["<f8", [0.25]],
  });
  assert.equal(loss.length, 39); // 38 bad calls above, each followed by a good one
});

test("unknown or bad constructor options: an error naming them, and no file written", (t) => {
  const dir = tempCwd(t);
  const file = path.join(dir, "never.h5");
  refuses(() => new H5Logger(file, { flushEvry: 100 } as never), "InvalidOption", "flushEvry", /unknown option "flushEvry"/);
  refuses(
    () => new H5Logger(file, { flushEvery: -1 }),
    "InvalidOption",
    "flushEvery",
    /^flushEvery must be a positive number of milliseconds, got -1$/,
  );
  refuses(() => new H5Logger(file, { datasets: { x: [1, "nope"] } }), "InvalidOption", "datasets.x", /unknown dtype "nope"/);
  assert.equal(fs.existsSync(file), false);

  // On an existing file, a refused option leaves it untouched.
  const logger = new H5Logger(file);
  logger.log("x", 1);
  logger.close();
  const hash = sha256(file);
  refuses(() => new H5Logger(file, { replaceIfExists: true, steps: "yes" } as never), "InvalidOption", "steps", /must be true or false/);
  assert.equal(sha256(file), hash);
});

test("declarations fix dtype and row shape up front; log(name, v, { dtype }) too", (t) => {
  if (!have(t, "h5py")) return;
  const dir = tempCwd(t);
  const file = path.join(dir, "declared.h5");
  const logger = new H5Logger(file, {
    datasets: { loss: { dtype: "float32" }, img: { shape: [28, 28], dtype: "uint8" }, n: [1, "int"], v: [2, "float"] },
  });
  // Declared with both dtype and shape: in the file before the first row.
  const early = h5pyRead(snapshot(file, dir)).datasets;
  assert.deepEqual([early.img.dtype, early.img.shape], ["|u1", [0, 28, 28]]);
  assert.deepEqual([early.n.dtype, early.n.shape], ["<i8", [0]]);

  logger.log("loss", 0.1);
  logger.log("loss", 2.5);
  refuses(() => logger.log("loss", 1e39), "InvalidValue", "loss", /outside the float32 range/);

  const pixels = Uint8Array.from({ length: 784 }, (_, k) => (k * 7) % 256);
  logger.log("img", { data: pixels, shape: [28, 28] });
  const nested = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => (r * 28 + c) % 256));
  logger.log("img", nested);
  refuses(
    () => logger.log("img", { data: new Float64Array(784), shape: [28, 28] }),
    "InvalidValue",
    "img",
    /float64 does not convert to it exactly/,
  );
  refuses(
    () => logger.log("img", { data: new Uint8Array(27 * 28), shape: [27, 28] }),
    "InvalidValue",
    "img",
    /row shape \(27, 28\) does not match the dataset's row shape \(28, 28\)/,
  );
  const tooBig = nested.map((row) => [...row]);
  tooBig[3][4] = 256;
  refuses(() => logger.log("img", tooBig), "InvalidValue", "img", /256 is outside the uint8 range/);

  logger.log("n", 5);
  logger.log("n", 6n);
  refuses(() => logger.log("n", 0.5), "InvalidValue", "n", /0\.5 is not an integer; this dataset holds int64/);
  refuses(() => logger.log("n", [1]), "InvalidValue", "n", /row shape/);

  refuses(() => logger.log("v", 1), "InvalidValue", "v", /declared with rank 2/);
  logger.log("v", [1, 2, 3]);
  logger.log("v", [4, 5, 6]);

  logger.log("i16", -5, { dtype: "int16" });
  logger.log("i16", 7);
  refuses(() => logger.log("i16", 40000), "InvalidValue", "i16", /outside the int16 range/);
  logger.log("u", 3, { dtype: "uint" });
  logger.log("f", 1, { dtype: "float32" });
  logger.log("flags", 1, { dtype: "uint8" });
  logger.close();

  const { datasets } = h5pyRead(file);
  const summary = Object.fromEntries(Object.entries(datasets).map(([name, d]) => [name, [d.dtype, d.shape]]));
  assert.deepEqual(summary, {
    loss: ["<f4", [2]],
    img: ["|u1", [2, 28, 28]],
    n: ["<i8", [2]],
    v: ["<f8", [2, 3]],
    i16: ["<i2", [2]],
    u: ["<u8", [1]],
    f: ["<f4", [1]],
    flags: ["|u1", [1]],
  });
  assert.deepEqual(datasets.loss.value, [Math.fround(0.1), 2.5]);
  const grid = (f: (k: number) => number) =>
    Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => BigInt(f(r * 28 + c))));
  assert.deepEqual(datasets.img.value, [grid((k) => (k * 7) % 256), grid((k) => k % 256)]);
  assert.deepEqual(datasets.n.value, [5n, 6n]);
  assert.deepEqual(datasets.v.value, [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(datasets.i16.value, [-5n, 7n]);
  assert.deepEqual(datasets.u.value, [3n]);
});

describe("steps and timestamps", () => {
  test("NAME.step (int64) and NAME.time (float64 seconds) line up with NAME", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempCwd(t), "steps.h5");
    const t0 = Date.now() / 1000;
    const logger = new H5Logger(file, { steps: true, timestamps: true });
    logger.step = 10;
    logger.log("loss", 1);
    logger.log("loss", 2);
    const pause = performance.now() + 50;
    while (performance.now() < pause); // rows get their own time, not their flush's
    logger.step = 11;
    logger.log("loss", 3);
    logger.log("loss", 4, { step: 42 });
    logger.log("acc", 0.5);
    refuses(() => logger.log("loss", "bad"), "InvalidValue", "loss", /holds float64/); // adds no step or time either
    logger.step = 12;
    // Steps are int64: a fraction is refused when set, not found at the next flush.
    refuses(
      () => {
        logger.step = 12.5;
      },
      "InvalidOption",
      "step",
      /step must be an integer, got 12\.5/,
    );
    refuses(
      () => {
        logger.step = Number.NaN;
      },
      "InvalidOption",
      "step",
      /step must be an integer, got NaN/,
    );
    assert.equal(logger.step, 12);
    logger.log("loss", 5);
    logger.close();
    const t1 = Date.now() / 1000;

    const { datasets } = h5pyRead(file);
    assert.deepEqual(Object.keys(datasets).sort(), ["acc", "acc.step", "acc.time", "loss", "loss.step", "loss.time"]);
    assert.deepEqual(datasets.loss.value, [1, 2, 3, 4, 5]);
    assert.equal(datasets["loss.step"].dtype, "<i8");
    assert.deepEqual(datasets["loss.step"].value, [10n, 10n, 11n, 42n, 12n]);
    assert.deepEqual(datasets["acc.step"].value, [11n]);
    assert.equal(datasets["loss.time"].dtype, "<f8");
    const times = datasets["loss.time"].value as number[];
    assert.equal(times.length, 5);
    for (const time of [...times, ...(datasets["acc.time"].value as number[])]) {
      assert.ok(time >= t0 - 0.01 && time <= t1 + 0.01, `time ${time} outside the test's window [${t0}, ${t1}]`);
    }
    for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1], "times go backwards");
    assert.ok(times[2] - times[1] >= 0.045, `the 50 ms pause is not in the times: ${times}`);
  });

  test("{ step } alone records steps for that dataset only; timestamps alone add NAME.time only", (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempCwd(t);
    const file = path.join(dir, "step-option.h5");
    const logger = new H5Logger(file);
    logger.log("x", 1, { step: 5 });
    logger.log("x", 2);
    logger.step = 9;
    logger.log("x", 3);
    logger.log("y", 1);
    logger.close();
    const got = h5pyValues(file);
    assert.deepEqual(got, { x: [1, 2, 3], "x.step": [5n, 0n, 9n], y: [1] });

    const file2 = path.join(dir, "times-only.h5");
    const logger2 = new H5Logger(file2, { timestamps: true });
    logger2.log("z", 1);
    logger2.close();
    assert.deepEqual(Object.keys(h5pyRead(file2).datasets).sort(), ["z", "z.time"]);
  });
});

test("attributes on the file and on datasets: strings, numbers, arrays, JSON objects", (t) => {
  if (!have(t, "h5py")) return;
  const dir = tempCwd(t);
  const file = path.join(dir, "attrs.h5");
  const config = { optimizer: "adam", betas: [0.9, 0.999], schedule: { warmup: 100, decay: null }, tags: ["a", "b"] };
  const logger = new H5Logger(file, {
    attrs: { lr: 0.001, name: "run-1 ✓", layers: [64, 32], labels: ["cat", "dog"], seed: 2n ** 62n + 1n, config },
  });
  logger.log("loss", 1);
  logger.setAttrs({ unit: "nats", scale: 2, smoothed: false }, "loss");
  logger.setAttrs({ epoch: 3, name: "run-1b" }); // replaces "name"
  refuses(() => logger.setAttrs({ x: 1 }, "nope"), "InvalidName", "nope", /no such dataset/);
  refuses(() => logger.setAttrs({ h5logger_json: "x" }), "InvalidValue", "h5logger_json", /reserved/);
  // Values an attribute cannot hold exactly are refused, not wrapped or cut short.
  refuses(() => logger.setAttrs({ big: 2n ** 64n - 1n }), "InvalidValue", "big", /outside the int64 range/);
  refuses(() => logger.setAttrs({ note: "a\0b" }, "loss"), "InvalidValue", "note", /NUL/);
  logger.close();

  const reader = H5Logger.openSync(file);
  assert.deepEqual(reader.attrs, {
    lr: 0.001,
    name: "run-1b",
    layers: [64, 32],
    labels: ["cat", "dog"],
    seed: 4611686018427387905n,
    config,
    epoch: 3,
  });
  assert.deepEqual(reader.get("loss").attrs, { unit: "nats", scale: 2, smoothed: false }, "a boolean reads back as a boolean");
  reader.close();

  const { attrs, datasets } = h5pyRead(file);
  assert.equal(attrs.lr, 0.001);
  assert.equal(attrs.name, "run-1b");
  assert.deepEqual(attrs.layers, [64, 32]);
  assert.deepEqual(attrs.labels, ["cat", "dog"]);
  assert.equal(attrs.epoch, 3);
  assert.equal(attrs.seed, 4611686018427387905n);
  assert.equal(typeof attrs.config, "string", "h5py should see JSON text");
  assert.deepEqual(JSON.parse(attrs.config as string), config);
  assert.equal(datasets.loss.attrs.unit, "nats");
  assert.equal(datasets.loss.attrs.scale, 2);
  assert.equal(datasets.loss.attrs.smoothed, 0n, "h5py sees a boolean as a 0/1 byte");
  const truth = python<boolean[]>(
    'import sys, json, h5py\nf = h5py.File(sys.argv[1], "r")\na = f["loss"].attrs["smoothed"]\nprint(json.dumps([bool(a), a.dtype.str]))',
    file,
  );
  assert.deepEqual(truth, [false, "|u1"], "Python's bool() of the attribute is False");
});

describe("the process ends: what reached the disk", () => {
  interface Report {
    count: number;
    killAt?: number;
    timeline?: [number, number][];
  }

  function start(t: TestContext, mode: string): { file: string; child: Child } {
    const file = path.join(tempCwd(t), `${mode}.h5`);
    const child = startNode(fixture("log_child"), [file, mode], { test: t });
    t.after(() => {
      const stderr = child.stderr().trim();
      if (stderr && !stderr.includes("expected by the test")) t.diagnostic(`child stderr: ${stderr}`);
    });
    return { file, child };
  }

  const lastCount = (child: Child) => (child.lines.at(-1) as Report | undefined)?.count ?? 0;

  function untilCount(child: Child, count: number): Promise<unknown> {
    return child.waitFor((l) => (l as unknown as Report).count >= count, `${count} rows logged`);
  }

  test("a loop that never yields still flushes every flushEvery ms (child SIGKILLs itself)", async (t) => {
    if (!have(t, "h5py")) return;
    const { file, child } = start(t, "kill");
    const { signal } = await child.exited;
    assert.equal(signal, "SIGKILL");
    const { count, killAt, timeline } = child.lines[0] as unknown as Required<Report>;
    // flushEvery is 200 ms; allow 400 ms more for a slow machine.
    const mustHave = timeline.filter(([time]) => time <= killAt - 600).at(-1)?.[1] ?? 0;
    assert.ok(mustHave >= 100, `the child logged too few rows to tell (${mustHave} by 600 ms before the kill)`);
    assert.equal(clearConsistencyFlags(file).changed, true, "a killed writer leaves the write flag set");
    const rows = h5pyValues(file).x as number[];
    assert.ok(rows.length >= mustHave, `${rows.length} rows in the file, but ${mustHave} were logged 600 ms before the kill`);
    assert.ok(rows.length <= count, `${rows.length} rows in the file, more than the ${count} logged`);
    assert.deepEqual(rows, range(rows.length));
  });

  for (const [mode, expectedCode] of [
    ["end", 0],
    ["exit", 3],
    ["throw", 1],
  ] as const) {
    const how = { end: "ends normally", exit: "calls process.exit(3)", throw: "throws an uncaught exception" }[mode];
    test(`a program that ${how} without close(): every row is in the file, the exit code kept`, async (t) => {
      if (!have(t, "h5py")) return;
      const { file, child } = start(t, mode);
      const { code, signal } = await child.exited;
      assert.deepEqual({ code, signal }, { code: expectedCode, signal: null });
      assert.equal(lastCount(child), 1000);
      assert.equal(readSuperblock(file).openForWrite, false, "the file was not closed");
      assert.deepEqual(h5pyValues(file).x, range(1000));
    });
  }

  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    test(`${sig} to a program that loops (yielding to the event loop): it dies of ${sig}, every reported row is in the file`, async (t) => {
      if (!have(t, "h5py")) return;
      const { file, child } = start(t, "forever");
      await untilCount(child, 300);
      child.process.kill(sig);
      const { code, signal } = await child.exited;
      assert.deepEqual({ code, signal }, { code: null, signal: sig });
      const reported = lastCount(child);
      assert.equal(readSuperblock(file).openForWrite, false, "the file was not closed");
      const rows = h5pyValues(file).x as number[];
      assert.ok(rows.length >= reported, `${rows.length} rows in the file, ${reported} reported as logged`);
      assert.deepEqual(rows, range(rows.length));
    });
  }

  test("SIGINT to a program that loops without ever yielding: it dies of SIGINT, as it would without the logger", {
    todo: "known bug: the logger's SIGINT/SIGTERM listeners (src/exit.ts) only run when the event loop turns, so a loop that never yields can no longer be interrupted",
  }, async (t) => {
    if (!have(t, "h5py")) return;
    const { file, child } = start(t, "forever-sync");
    await untilCount(child, 300);
    const reported = lastCount(child);
    child.process.kill("SIGINT");
    const ended = await Promise.race([child.exited, sleep(3000, null)]);
    if (ended === null) {
      child.process.kill("SIGKILL");
      assert.fail(`the child ignored SIGINT for 3 s (it had logged ${reported} rows)`);
    }
    assert.deepEqual({ code: ended.code, signal: ended.signal }, { code: null, signal: "SIGINT" });
    clearConsistencyFlags(file);
    const rows = h5pyValues(file).x as number[];
    assert.deepEqual(rows, range(rows.length));
  });
});
