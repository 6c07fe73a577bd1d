/**
 * File handling: names, replace or append, files that are not HDF5 or cannot be appended to
 * (left byte-for-byte untouched), files written by h5py (test/fixtures/make_h5py_files.py,
 * the reference implementation), and one writer per file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { H5Logger } from "../src/index.js";
import { startNode } from "./helpers/child.js";
import { h5pyRead, h5pyValues, have, PYTHON, run, sha256, tempDir } from "./helpers/interop.js";
import { fixture, pythonFixture } from "./helpers/paths.js";
import { refuses } from "./helpers/refuses.js";

const MAKE_H5PY_FILES = pythonFixture("make_h5py_files");

/** Write a file with h5py (see make_h5py_files.py for what each kind holds). */
function makeH5pyFile(file: string, kind: "extendable" | "contiguous" | "fixed", libver: "earliest" | "latest"): void {
  const r = spawnSync(PYTHON, [MAKE_H5PY_FILES, file, kind, "--libver", libver], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

describe("file names", () => {
  test("no extension: .h5 is appended and logger.filename says so", (t) => {
    const dir = tempDir(t);
    const logger = new H5Logger(path.join(dir, "run"));
    assert.equal(logger.filename, path.join(dir, "run.h5"));
    logger.log("x", 1);
    logger.close();
    assert.deepEqual(fs.readdirSync(dir), ["run.h5"]);
    if (have(t, "h5ls")) assert.match(run("h5ls", "-r", logger.filename).stdout, /^\/x\s+Dataset \{1\/Inf\}$/m);
  });

  test(".h5 and .hdf5 are kept", (t) => {
    const dir = tempDir(t);
    for (const name of ["a.h5", "b.hdf5"]) {
      const logger = new H5Logger(path.join(dir, name));
      assert.equal(logger.filename, path.join(dir, name));
      logger.close();
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ["a.h5", "b.hdf5"]);
  });

  test("another extension is an error, and no file is created", (t) => {
    const dir = tempDir(t);
    refuses(() => new H5Logger(path.join(dir, "run.csv")), "InvalidOption", "run.csv", /extension \.csv is not \.h5 or \.hdf5/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

describe("replace or append", () => {
  test("replaceIfExists: true starts a fresh file", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempDir(t), "run.h5");
    const first = new H5Logger(file);
    for (const v of [1, 2, 3]) first.log("x", v);
    first.log("y", "gone");
    first.setAttrs({ old: 1 });
    first.close();
    const second = new H5Logger(file, { replaceIfExists: true });
    second.log("x", 9);
    second.close();
    const got = h5pyRead(file);
    assert.deepEqual(Object.fromEntries(Object.entries(got.datasets).map(([k, d]) => [k, d.value])), { x: [9] });
    assert.deepEqual(got.attrs, {});
  });

  test("by default an existing file is appended to: datasets keep growing, new names are added", (t) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempDir(t), "run.h5");
    const first = new H5Logger(file, { steps: true });
    for (const v of [1, 2, 3]) {
      first.step = v * 10;
      first.log("x", v);
    }
    first.log("s", "a");
    first.log("n", 1n);
    first.log("v", Float32Array.of(1, 2));
    first.log("flag", true);
    first.log("g/h", 1);
    first.close();

    const second = new H5Logger(file); // steps not asked: x keeps its x.step all the same
    second.step = 40;
    second.log("x", 4);
    second.log("s", "b");
    second.log("n", 2); // a number into the existing int64 dataset, as in the first session
    second.log("n", 3n);
    refuses(() => second.log("n", 0.5), "InvalidValue", "n", /0\.5 is not an integer; this dataset holds int64/);
    second.log("v", Float32Array.of(3, 4));
    second.log("flag", false);
    second.log("g/h", 2);
    second.log("z", 7);
    second.close();

    const { datasets } = h5pyRead(file);
    const summary = Object.fromEntries(Object.entries(datasets).map(([k, d]) => [k, [d.dtype, d.value]]));
    assert.deepEqual(summary, {
      x: ["<f8", [1, 2, 3, 4]],
      "x.step": ["<i8", [10n, 20n, 30n, 40n]],
      s: ["|O", ["a", "b"]],
      "s.step": ["<i8", [30n, 40n]],
      n: ["<i8", [1n, 2n, 3n]],
      "n.step": ["<i8", [30n, 40n, 40n]],
      v: [
        "<f4",
        [
          [1, 2],
          [3, 4],
        ],
      ],
      "v.step": ["<i8", [30n, 40n]],
      flag: ["|u1", [1n, 0n]],
      "flag.step": ["<i8", [30n, 40n]],
      "g/h": ["<f8", [1, 2]],
      "g/h.step": ["<i8", [30n, 40n]],
      z: ["<f8", [7]],
    });
    const reader = H5Logger.openSync(file);
    assert.deepEqual(reader.get("flag").value, [true, false]);
    reader.close();

    // Asking for steps of a dataset that has none cannot be honoured without misaligning rows.
    const third = new H5Logger(file, { steps: true });
    refuses(() => third.log("z", 8), "InvalidValue", "z", /exists without a z\.step dataset/);
    third.close();
    assert.deepEqual(h5pyValues(file).z, [7]);
  });
});

describe("files that cannot be appended to are left untouched", () => {
  test("a file that is not HDF5: a clear error, same bytes", (t) => {
    const dir = tempDir(t);
    const cases: [string, Buffer][] = [
      ["notes.h5", Buffer.from("loss,step\n0.5,1\n")],
      ["empty.h5", Buffer.alloc(0)],
      ["noise.hdf5", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))],
    ];
    for (const [name, bytes] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, bytes);
      const before = sha256(file);
      refuses(() => new H5Logger(file), "File", file, /exists and is not an HDF5 file; pass replaceIfExists: true to replace it/);
      assert.equal(sha256(file), before, `${name} changed`);
    }
  });

  test("a truncated HDF5 file: a clear error, same bytes", (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, "cut.h5");
    const logger = new H5Logger(file);
    logger.log(
      "x",
      Float64Array.from({ length: 100 }, (_, i) => i),
    );
    logger.close();
    fs.truncateSync(file, 200);
    const before = sha256(file);
    refuses(() => new H5Logger(file), "File", file, /cannot be opened for appending|shorter than HDF5 recorded/);
    assert.equal(sha256(file), before);
  });

  for (const libver of ["earliest", "latest"] as const) {
    test(`h5py file (libver ${libver}): datasets that cannot take our rows give an error naming them; the file keeps every byte`, (t) => {
      if (!have(t, "h5py")) return;
      const dir = tempDir(t);
      const contiguous = path.join(dir, "contiguous.h5");
      const fixed = path.join(dir, "fixed.h5");
      const extendable = path.join(dir, "extendable.h5");
      makeH5pyFile(contiguous, "contiguous", libver);
      makeH5pyFile(fixed, "fixed", libver);
      makeH5pyFile(extendable, "extendable", libver);
      const hashes = new Map([contiguous, fixed, extendable].map((f) => [f, sha256(f)]));

      for (const file of [contiguous, fixed]) {
        const logger = new H5Logger(file);
        refuses(() => logger.log("x", 1), "InvalidValue", "x", /cannot grow: it is not chunked with an unlimited first axis/);
        refuses(() => logger.log("x", 2), "InvalidValue", "x", /cannot grow/); // and again: nothing was half-done
        logger.close();
      }
      const logger = new H5Logger(extendable);
      refuses(() => logger.log("x", "text"), "InvalidValue", "x", /float64/);
      refuses(() => logger.log("x", [1, 2]), "InvalidValue", "x", /row shape \(2,\) does not match/);
      refuses(() => logger.log("x", 1, { dtype: "float32" }), "InvalidValue", "x", /^(?=.*float32)(?=.*float64)/);
      refuses(() => logger.log("i", 0.5), "InvalidValue", "i", /0\.5 is not an integer; this dataset holds int64/);
      refuses(() => logger.log("img", Uint8Array.of(1, 2, 3)), "InvalidValue", "img", /row shape \(3,\) does not match .*\(2, 2\)/);
      refuses(
        () =>
          logger.log("img", [
            [1, 2],
            [3, 256],
          ]),
        "InvalidValue",
        "img",
        /256 is outside the uint8 range/,
      );
      refuses(() => logger.log("x/y", 1), "InvalidName", "x/y", /x is a dataset/);
      logger.close();
      // A declaration that contradicts the file fails in the constructor.
      refuses(() => new H5Logger(extendable, { datasets: { x: { dtype: "int32", shape: [] } } }), "InvalidValue", "x", /holds float64/);

      for (const [file, hash] of hashes) assert.equal(sha256(file), hash, `${path.basename(file)} changed`);
      assert.deepEqual(h5pyValues(extendable), {
        x: [0.5, 1.5, 2.5],
        i: [7n, -7n],
        img: [
          [
            [1n, 2n],
            [3n, 4n],
          ],
        ],
      });
    });

    test(`h5py file (libver ${libver}) with extendable datasets: appended rows read back in h5py`, (t) => {
      if (!have(t, "h5py")) return;
      const file = path.join(tempDir(t), "extendable.h5");
      makeH5pyFile(file, "extendable", libver);
      const logger = new H5Logger(file);
      logger.log("x", 3.5);
      logger.log("x", 4.5);
      logger.log("i", 8n);
      logger.log("i", 9);
      logger.log("img", [
        [5, 6],
        [7, 8],
      ]);
      logger.log("img", { data: Uint8Array.of(9, 10, 11, 12), shape: [2, 2] });
      logger.log("new", 1);
      logger.close();
      const { datasets } = h5pyRead(file);
      assert.deepEqual(Object.fromEntries(Object.entries(datasets).map(([k, d]) => [k, [d.dtype, d.value]])), {
        x: ["<f8", [0.5, 1.5, 2.5, 3.5, 4.5]],
        i: ["<i8", [7n, -7n, 8n, 9n]],
        img: [
          "|u1",
          [
            [
              [1n, 2n],
              [3n, 4n],
            ],
            [
              [5n, 6n],
              [7n, 8n],
            ],
            [
              [9n, 10n],
              [11n, 12n],
            ],
          ],
        ],
        new: ["<f8", [1]],
      });
      if (have(t, "h5dump")) assert.equal(run("h5dump", "-H", file).status, 0);
    });
  }
});

describe("one writer per file", () => {
  test("a second logger on the same file in this process: LockedError, the first keeps working", (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempDir(t);
    const file = path.join(dir, "one.h5");
    const first = new H5Logger(file);
    first.log("x", 1);
    fs.symlinkSync(file, path.join(dir, "link.h5"));
    for (const other of [file, path.join(dir, ".", "one.h5"), path.join(dir, "link.h5")]) {
      for (const options of [{}, { replaceIfExists: true }]) {
        refuses(() => new H5Logger(other, options), "Locked", other, /already writes this file/);
      }
    }
    first.log("x", 2);
    first.close();
    const second = new H5Logger(file); // free again once closed
    second.log("x", 3);
    second.close();
    assert.deepEqual(h5pyValues(file), { x: [1, 2, 3] });
  });

  test("a file another process writes: LockedError, whether appending or replacing; its writer is not disturbed", async (t: TestContext) => {
    if (!have(t, "h5py")) return;
    const file = path.join(tempDir(t), "forever.h5");
    const child = startNode(fixture("log_child"), [file, "forever"], { test: t });
    await child.waitFor((l) => typeof l.count === "number", "the child's first rows");

    refuses(() => new H5Logger(file), "Locked", file, /being written by another process|open for writing elsewhere/);
    refuses(
      () => new H5Logger(file, { replaceIfExists: true }),
      "Locked",
      file,
      /being written by another process|open for writing elsewhere/,
    );

    child.process.kill("SIGTERM");
    assert.equal((await child.exited).signal, "SIGTERM");
    const x = h5pyValues(file).x as number[];
    assert.ok(x.length >= 100);
    assert.deepEqual(
      x,
      Array.from({ length: x.length }, (_, i) => i),
    );
  });
});
