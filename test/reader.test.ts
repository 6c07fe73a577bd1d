/**
 * The reader: H5Logger.open / openSync / logger.open(), keys, dataset views (shape, dtype,
 * length, attrs, slice, at, value, toArray, toString like h5py's repr), and that reading
 * never modifies a file. Expected values are written by hand; repr strings come from h5py.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger, H5Reader, isH5LoggerError } from "../src/index.js";
import { have, python, sha256, tempDir } from "./helpers/interop.js";

const NAMES = ["f32", "flag", "i64", "img", "number", "s", "train/loss", "u8"];
const NUMBER = [0.5, -1, 2.25, 3, 4, 5, 6, 7, 8, 9.75];
const I64 = [-(2n ** 63n), -1n, 0n, 1n, 2n ** 63n - 1n];
const U8 = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [253, 254, 255],
];
const IMG = [0, 1, 2].map((r) =>
  [
    [1, 2, 3],
    [4, 5, 6],
  ].map((row) => row.map((v) => r * 10 + v)),
);

/** Write the file every test here reads. */
function writeFixture(file: string): void {
  const logger = new H5Logger(file, { attrs: { run: "r1", lr: 0.5 } });
  for (const v of NUMBER) logger.log("number", v);
  for (const v of I64) logger.log("i64", v);
  for (const row of U8) logger.log("u8", Uint8Array.from(row));
  for (const v of [0.1, 0.5, -2]) logger.log("f32", v, { dtype: "float32" });
  for (const rows of IMG) logger.log("img", rows);
  for (const v of [true, false, true]) logger.log("flag", v);
  for (const v of ["a", "héllo", ""]) logger.log("s", v);
  for (const v of [3, 2, 1]) logger.log("train/loss", v);
  logger.setAttrs({ unit: "nats" }, "train/loss");
  logger.close();
}

function isClosedError(err: unknown): boolean {
  return isH5LoggerError(err, "Closed");
}

describe("reading a file", () => {
  let dir = "";
  let file = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-reader-"));
    file = path.join(dir, "data.h5");
    writeFixture(file);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("H5Logger.open (async), H5Logger.openSync and H5Reader.openSync see the same datasets", async () => {
    const readers = [
      await H5Logger.open(file),
      H5Logger.openSync(file),
      H5Reader.openSync(file),
      await H5Logger.open(file.replace(/\.h5$/, "")),
    ];
    for (const reader of readers) {
      assert.deepEqual(reader.keys(), NAMES);
      assert.equal(reader.has("number"), true);
      assert.equal(reader.has("/train/loss"), true);
      assert.equal(reader.has("train"), false, "a group is not a dataset");
      reader.close();
      reader.close(); // twice is fine
    }
    assert.equal(readers[3].filename, file);
  });

  test("shape, dtype, length, storedType, attrs", () => {
    using reader = H5Logger.openSync(file);
    const expected: Record<string, [number[], string, string]> = {
      number: [[10], "float64", "<f8"],
      i64: [[5], "int64", "<i8"],
      u8: [[4, 3], "uint8", "|u1"],
      f32: [[3], "float32", "<f4"],
      img: [[3, 2, 3], "float64", "<f8"],
      flag: [[3], "bool", "|u1"], // what h5py shows: h5wasm cannot write enum booleans
      s: [[3], "string", "|O"],
      "train/loss": [[3], "float64", "<f8"],
    };
    for (const [name, [shape, dtype, stored]] of Object.entries(expected)) {
      const view = reader.get(name);
      assert.equal(view.name, name);
      assert.deepEqual(view.shape, shape, name);
      assert.equal(view.dtype, dtype, name);
      assert.equal(view.storedType, stored, name);
      assert.equal(view.length, shape[0], name);
    }
    assert.equal(reader.get("/train/loss").name, "train/loss");
    assert.deepEqual(reader.attrs, { run: "r1", lr: 0.5 });
    assert.deepEqual(reader.get("train/loss").attrs, { unit: "nats" });
    assert.deepEqual(reader.get("number").attrs, {});
    assert.deepEqual(reader.get("flag").attrs, {}, "the bool marker attribute is internal");
  });

  test("get() of a missing dataset names it and lists what exists", () => {
    using reader = H5Logger.openSync(file);
    assert.throws(
      () => reader.get("nope"),
      (err: unknown) =>
        isH5LoggerError(err, "InvalidName") &&
        /"nope": no such dataset in .*data\.h5 \(datasets: f32, flag, i64, img, number, s, train\/loss, u8\)/.test(err.message),
    );
    assert.throws(
      () => reader.get("train"),
      (err: unknown) => isH5LoggerError(err, "InvalidName"),
    );
  });

  test("slice: negative indexes as in Python, out-of-range clipped", () => {
    using reader = H5Logger.openSync(file);
    const n = reader.get("number");
    const cases: [number | undefined, number | undefined, number[]][] = [
      [undefined, undefined, NUMBER],
      [0, 10, NUMBER],
      [2, 5, [2.25, 3, 4]],
      [-3, undefined, [7, 8, 9.75]],
      [-3, -1, [7, 8]],
      [8, 100, [8, 9.75]],
      [-100, 2, [0.5, -1]],
      [100, 200, []],
      [5, 2, []],
      [-1, -3, []],
      [0, -9, [0.5]],
    ];
    for (const [start, end, want] of cases) {
      const got = start === undefined ? n.slice() : end === undefined ? n.slice(start) : n.slice(start, end);
      assert.deepEqual(got, Float64Array.from(want), `slice(${start}, ${end})`);
    }
  });

  test("slice returns per dtype what src/reader.ts documents", () => {
    using reader = H5Logger.openSync(file);
    assert.deepEqual(reader.get("number").slice(0, 2), Float64Array.of(0.5, -1));
    assert.deepEqual(reader.get("i64").slice(), BigInt64Array.from(I64));
    assert.deepEqual(reader.get("f32").slice(), Float32Array.of(0.1, 0.5, -2));
    assert.deepEqual(reader.get("flag").slice(), [true, false, true]);
    assert.deepEqual(reader.get("s").slice(), ["a", "héllo", ""]);
    // Rows that are arrays: one entry per row, that row's elements in row-major order.
    assert.deepEqual(reader.get("u8").slice(1, 3), [Uint8Array.of(3, 4, 5), Uint8Array.of(6, 7, 8)]);
    assert.deepEqual(reader.get("img").slice(-1), [Float64Array.of(21, 22, 23, 24, 25, 26)]);
    assert.deepEqual(reader.get("img").slice(3), []);
  });

  test("at(i), negative i from the end, out of range is a RangeError naming the dataset", () => {
    using reader = H5Logger.openSync(file);
    const n = reader.get("number");
    assert.equal(n.at(0), 0.5);
    assert.equal(n.at(9), 9.75);
    assert.equal(n.at(-1), 9.75);
    assert.equal(n.at(-10), 0.5);
    for (const bad of [10, -11, 1.5, Number.NaN]) {
      assert.throws(
        () => n.at(bad),
        (err: unknown) => err instanceof RangeError && err.message.startsWith(`number: row ${bad} is out of range for 10 rows`),
      );
    }
    assert.equal(reader.get("i64").at(0), -(2n ** 63n));
    assert.equal(reader.get("i64").at(-1), 2n ** 63n - 1n);
    assert.equal(reader.get("f32").at(0), Math.fround(0.1));
    assert.equal(reader.get("flag").at(1), false);
    assert.equal(reader.get("s").at(1), "héllo");
    assert.equal(reader.get("s").at(2), "");
    assert.deepEqual(reader.get("u8").at(3), Uint8Array.of(253, 254, 255));
    assert.deepEqual(reader.get("img").at(1), Float64Array.of(11, 12, 13, 14, 15, 16));
  });

  test("value is every row; toArray() gives nested JS arrays", () => {
    using reader = H5Logger.openSync(file);
    assert.deepEqual(reader.get("number").value, Float64Array.from(NUMBER));
    assert.deepEqual(reader.get("img").value, reader.get("img").slice());
    assert.deepEqual(reader.get("number").toArray(), NUMBER);
    assert.deepEqual(reader.get("img").toArray(), IMG);
    assert.deepEqual(reader.get("u8").toArray(), U8);
    assert.deepEqual(reader.get("i64").toArray(), I64);
    assert.deepEqual(reader.get("flag").toArray(), [true, false, true]);
    assert.deepEqual(reader.get("s").toArray(), ["a", "héllo", ""]);
  });

  test("toString() is exactly h5py's repr", (t) => {
    if (!have(t, "h5py")) return;
    const names = ["number", "i64", "u8", "f32", "img", "s", "train/loss"];
    const code = "import sys, json, h5py\nwith h5py.File(sys.argv[1], 'r') as f: print(json.dumps({n: str(f[n]) for n in sys.argv[2:]}))";
    const reprs = python<Record<string, string>>(code, file, ...names);
    assert.equal(reprs.number, '<HDF5 dataset "number": shape (10,), type "<f8">'); // the oracle itself, by hand
    using reader = H5Logger.openSync(file);
    for (const name of names) assert.equal(String(reader.get(name)), reprs[name], name);
    assert.equal(`${reader.get("img")}`, '<HDF5 dataset "img": shape (3, 2, 3), type "<f8">');
  });

  test("reading never modifies the file", async () => {
    const hash = sha256(file);
    const { mtimeMs } = fs.statSync(file);
    for (const reader of [H5Logger.openSync(file), await H5Logger.open(file)]) {
      for (const name of reader.keys()) {
        const view = reader.get(name);
        view.toArray();
        view.slice(-2);
        String(view);
        void view.attrs;
      }
      void reader.attrs;
      reader.close();
    }
    assert.equal(sha256(file), hash);
    assert.equal(fs.statSync(file).mtimeMs, mtimeMs);
  });

  test("a closed reader and its views refuse further reads", () => {
    const reader = H5Logger.openSync(file);
    const view = reader.get("number");
    reader.close();
    assert.throws(() => reader.keys(), isClosedError);
    assert.throws(() => reader.get("number"), isClosedError);
    assert.throws(() => view.slice(), isClosedError);
    assert.throws(() => view.at(0), isClosedError);
  });
});

describe("open() retries until the file can be read", () => {
  test("a missing file: retries, then a clear error once the timeout has passed", async (t) => {
    const file = path.join(tempDir(t), "missing.h5");
    for (const [timeout, retryEvery] of [
      [300, 50],
      [250, 100],
    ]) {
      const started = Date.now();
      await assert.rejects(H5Logger.open(file, { timeout, retryEvery }), (err: unknown) => {
        assert.ok(isH5LoggerError(err, "File"), `not a File error: ${err}`);
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, new RegExp(`could not be opened for reading within ${timeout} ms`));
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= timeout - 2, `gave up after ${elapsed} ms, before the ${timeout} ms timeout`);
      assert.ok(elapsed < timeout + 1000, `gave up only after ${elapsed} ms`);
    }
    assert.equal(fs.existsSync(file), false, "open() created the file");
  });

  test("a file that appears while open() waits is opened", async (t) => {
    const file = path.join(tempDir(t), "late.h5");
    const opening = H5Logger.open(file, { timeout: 10_000, retryEvery: 20 });
    await sleep(200);
    const logger = new H5Logger(file);
    logger.log("late", 1);
    logger.close();
    const reader = await opening;
    assert.deepEqual(reader.get("late").value, Float64Array.of(1));
    reader.close();
  });

  test("logger.open() reads what was logged so far, without closing the logger", (t) => {
    const file = path.join(tempDir(t), "live.h5");
    const logger = new H5Logger(file, { flushEvery: 60_000 });
    logger.log("x", 1);
    logger.log("x", 2);
    const reader = logger.open();
    assert.deepEqual(reader.keys(), ["x"]);
    assert.deepEqual(reader.get("x").value, Float64Array.of(1, 2));
    reader.close();
    logger.log("x", 3);
    logger.close();
    using again = H5Logger.openSync(file);
    assert.deepEqual(again.get("x").value, Float64Array.of(1, 2, 3));
  });
});
