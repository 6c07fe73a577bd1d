/**
 * Unit tests of src/options.ts: defaults, validation at the boundary, declarations and file
 * names. Pure: no HDF5, no files.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { isH5LoggerError } from "../src/model/errors.js";
import { checkLogOptions, normaliseDeclaration, resolveOptions } from "../src/model/options.js";
import { withExtension } from "../src/model/filename.js";

/** Assert an InvalidOption error whose message matches exactly or by pattern. */
function invalid(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isH5LoggerError(err, "InvalidOption"), `not an InvalidOption error: ${err}`);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe("logger options", () => {
  test("defaults", () => {
    for (const given of [undefined, {}]) {
      const o = resolveOptions(given);
      assert.equal(o.replaceIfExists, false);
      assert.equal(o.flushEvery, 1000); // the issue: at most 1000 ms
      assert.equal(o.maxBufferBytes, 64 * 1024 * 1024);
      assert.equal(o.chunkBytes, 65536);
      assert.equal(o.timestamps, false);
      assert.equal(o.steps, false);
      assert.deepEqual(o.attrs, {});
      assert.equal(o.datasets.size, 0);
    }
  });

  test("given values are kept", () => {
    const o = resolveOptions({
      replaceIfExists: true,
      flushEvery: 250,
      maxBufferBytes: 4096,
      chunkBytes: 1024,
      timestamps: true,
      steps: true,
      attrs: { lr: 0.1 },
    });
    assert.equal(o.replaceIfExists, true);
    assert.equal(o.flushEvery, 250);
    assert.equal(o.maxBufferBytes, 4096);
    assert.equal(o.chunkBytes, 1024);
    assert.equal(o.timestamps, true);
    assert.equal(o.steps, true);
    assert.deepEqual(o.attrs, { lr: 0.1 });
  });

  test("unknown option names are named in the error, with the known ones", () => {
    invalid(() => resolveOptions({ flushEvry: 100 }), /^H5Logger: unknown option "flushEvry"; known options are .*flushEvery/);
    invalid(() => resolveOptions({ replace_if_exists: true }), /unknown option "replace_if_exists"; known options are replaceIfExists,/);
  });

  test("flushEvery must be a positive number of milliseconds", () => {
    invalid(() => resolveOptions({ flushEvery: -1 }), "flushEvery must be a positive number of milliseconds, got -1");
    invalid(() => resolveOptions({ flushEvery: 0 }), "flushEvery must be a positive number of milliseconds, got 0");
    invalid(() => resolveOptions({ flushEvery: Number.NaN }), "flushEvery must be a positive number of milliseconds, got NaN");
    invalid(
      () => resolveOptions({ flushEvery: Number.POSITIVE_INFINITY }),
      "flushEvery must be a positive number of milliseconds, got Infinity",
    );
    invalid(() => resolveOptions({ flushEvery: "100" }), 'flushEvery must be a positive number of milliseconds, got "100"');
  });

  test("byte sizes must be positive numbers of bytes", () => {
    invalid(() => resolveOptions({ maxBufferBytes: -5 }), "maxBufferBytes must be a positive number of bytes, got -5");
    invalid(() => resolveOptions({ chunkBytes: 0 }), "chunkBytes must be a positive number of bytes, got 0");
  });

  test("flags must be booleans", () => {
    invalid(() => resolveOptions({ replaceIfExists: "yes" }), 'replaceIfExists must be true or false, got "yes"');
    invalid(() => resolveOptions({ timestamps: 1 }), "timestamps must be true or false, got 1");
    invalid(() => resolveOptions({ steps: null }), "steps must be true or false, got null");
  });

  test("options, datasets and attrs must be objects", () => {
    invalid(() => resolveOptions(5), "options must be an object, got 5");
    invalid(() => resolveOptions([]), "options must be an object, got an array of length 0");
    invalid(() => resolveOptions(null), "options must be an object, got null");
    invalid(() => resolveOptions({ datasets: 3 }), "datasets must be an object, got 3");
    invalid(() => resolveOptions({ attrs: [1] }), "attrs must be an object of attribute values, got an array of length 1");
  });
});

describe("dataset declarations", () => {
  test("the issue's example", () => {
    const o = resolveOptions({ datasets: { loss: { dtype: "float32" }, img: { shape: [28, 28], dtype: "uint8" }, n: [1, "int"] } });
    assert.deepEqual(o.datasets.get("loss"), { dtype: "float32" });
    assert.deepEqual(o.datasets.get("img"), { dtype: "uint8", rowShape: [28, 28] });
    assert.deepEqual(o.datasets.get("n"), { dtype: "int64", rowRank: 0, rowShape: [] });
  });

  test("the seed's [rank, kind] form", () => {
    assert.deepEqual(normaliseDeclaration("a", [1, "float"]), { dtype: "float64", rowRank: 0, rowShape: [] });
    assert.deepEqual(normaliseDeclaration("a", [2, "int"]), { dtype: "int64", rowRank: 1 });
    assert.deepEqual(normaliseDeclaration("a", [3, "uint8"]), { dtype: "uint8", rowRank: 2 });
    invalid(() => normaliseDeclaration("a", [0, "int"]), /^datasets\.a: expected \[rank, dtype\] with rank >= 1/);
    invalid(() => normaliseDeclaration("a", [1.5, "int"]), /^datasets\.a: expected \[rank, dtype\]/);
    invalid(() => normaliseDeclaration("a", [1, "int", 3]), /^datasets\.a: expected \[rank, dtype\]/);
    invalid(() => normaliseDeclaration("a", [1, "complex"]), /^datasets\.a: unknown dtype "complex"/);
  });

  test("the object form", () => {
    assert.deepEqual(normaliseDeclaration("a", {}), {});
    assert.deepEqual(normaliseDeclaration("a", { shape: [] }), { rowShape: [] });
    assert.deepEqual(normaliseDeclaration("a", { dtype: "str" }), { dtype: "string" });
    assert.deepEqual(normaliseDeclaration("a", { attrs: { unit: "s" } }), { attrs: { unit: "s" } });
    invalid(
      () => normaliseDeclaration("img", { dtyp: "uint8" }),
      /^datasets\.img: unknown option "dtyp"; known options are dtype, shape, maxBytes, compression, attrs$/,
    );
    invalid(
      () => normaliseDeclaration("img", { shape: [28, -1] }),
      /^datasets\.img\.shape must be the row shape, an array of non-negative integers/,
    );
    invalid(() => normaliseDeclaration("img", { shape: 28 }), /^datasets\.img\.shape must be the row shape/);
    invalid(() => normaliseDeclaration("img", { dtype: "float16" }), /^datasets\.img: unknown dtype "float16"/);
    invalid(() => normaliseDeclaration("img", null), "datasets.img: expected { dtype, shape } or [rank, dtype], got null");
    invalid(() => normaliseDeclaration("img", "uint8"), 'datasets.img: expected { dtype, shape } or [rank, dtype], got "uint8"');
  });

  test("fixed-length strings: maxBytes, for strings only, a whole number of bytes; scalar rows", () => {
    assert.deepEqual(normaliseDeclaration("note", { dtype: "string", maxBytes: 64 }), { dtype: "string", maxBytes: 64, rowShape: [] });
    invalid(
      () => normaliseDeclaration("n", { dtype: "int", maxBytes: 8 }),
      'datasets.n.maxBytes is for strings: declare dtype: "string" with it',
    );
    invalid(() => normaliseDeclaration("n", { maxBytes: 8 }), 'datasets.n.maxBytes is for strings: declare dtype: "string" with it');
    for (const bad of [0, -1, 1.5, "8", 2 ** 20 + 1])
      invalid(
        () => normaliseDeclaration("n", { dtype: "str", maxBytes: bad }),
        /^datasets\.n\.maxBytes must be a whole number of bytes from 1 to 1048576, got /,
      );
    // With concurrent readers, fixed-length strings are welcome; variable-length ones are not.
    assert.equal(resolveOptions({ concurrentReaders: true, datasets: { note: { dtype: "string", maxBytes: 8 } } }).datasets.size, 1);
  });

  test("compression: gzip at h5py's level 4, a level from 1 to 9, or false; not for variable-length strings", () => {
    assert.equal(resolveOptions({}).compression, null);
    assert.equal(resolveOptions({ compression: "gzip" }).compression, 4);
    assert.equal(resolveOptions({ compression: { gzip: 1 } }).compression, 1);
    assert.equal(resolveOptions({ compression: false }).compression, null);
    assert.deepEqual(normaliseDeclaration("img", { dtype: "uint8", compression: { gzip: 9 } }), { dtype: "uint8", compression: 9 });
    assert.deepEqual(normaliseDeclaration("img", { compression: false }), { compression: null });
    const expected = 'compression must be "gzip", { gzip: LEVEL } with LEVEL an integer from 1 to 9, or false; got ';
    for (const [bad, shown] of [
      ["zip", '"zip"'],
      [true, "true"],
      [{ gzip: 0 }, '{"gzip":0}'],
      [{ gzip: 10 }, '{"gzip":10}'],
      [{ gzip: 1.5 }, '{"gzip":1.5}'],
      [{ zstd: 3 }, '{"zstd":3}'],
      [{ gzip: 1, shuffle: true }, '{"gzip":1,"shuffle":true}'],
    ] as const) {
      invalid(() => resolveOptions({ compression: bad }), `${expected}${shown}`);
      invalid(() => normaliseDeclaration("img", { compression: bad }), `datasets.img.${expected}${shown}`);
    }
    invalid(
      () => normaliseDeclaration("note", { dtype: "string", compression: "gzip" }),
      /^datasets\.note\.compression needs fixed-length strings: give maxBytes too/,
    );
    assert.deepEqual(normaliseDeclaration("note", { dtype: "string", maxBytes: 8, compression: "gzip" }), {
      dtype: "string",
      maxBytes: 8,
      rowShape: [],
      compression: 4,
    });
  });

  test("a bad declaration fails the whole options check", () => {
    invalid(() => resolveOptions({ datasets: { ok: [1, "int"], bad: [1, "nope"] } }), /^datasets\.bad: unknown dtype "nope"/);
  });
});

describe("log() options", () => {
  test("dtype and step", () => {
    assert.deepEqual(checkLogOptions("x", {}), {});
    assert.deepEqual(checkLogOptions("x", { dtype: "int" }), { dtype: "int64" });
    assert.deepEqual(checkLogOptions("x", { dtype: "float32", step: 7 }), { dtype: "float32", step: 7 });
    assert.deepEqual(checkLogOptions("x", { step: -3 }), { step: -3 });
  });

  test("bad log() options name the dataset and the option", () => {
    invalid(() => checkLogOptions("loss", { dtyp: "int" }), /^log\("loss"\): unknown option "dtyp"; known options are dtype, step$/);
    invalid(() => checkLogOptions("loss", { step: 1.5 }), 'log("loss"): step must be an integer, got 1.5');
    invalid(() => checkLogOptions("loss", { step: 2 ** 53 }), /^log\("loss"\): step must be an integer/);
    invalid(() => checkLogOptions("loss", { dtype: "f8" }), /^log\("loss"\): unknown dtype "f8"/);
    invalid(() => checkLogOptions("loss", null), 'log("loss"): options must be an object, got null');
    invalid(() => checkLogOptions("loss", 3), 'log("loss"): options must be an object, got 3');
  });
});

describe("file names", () => {
  test("no extension: .h5 is appended", () => {
    assert.equal(withExtension("run", "write"), "run.h5");
    assert.equal(withExtension(path.join("out", "run"), "write"), path.join("out", "run.h5"));
    assert.equal(withExtension("out.d/run", "write"), "out.d/run.h5"); // a dot in a directory is not an extension
  });

  test(".h5 and .hdf5 are kept", () => {
    assert.equal(withExtension("run.h5", "write"), "run.h5");
    assert.equal(withExtension("run.hdf5", "write"), "run.hdf5");
    assert.equal(withExtension("/tmp/a.b.h5", "write"), "/tmp/a.b.h5");
  });

  test("any other extension is an error naming it", () => {
    invalid(
      () => withExtension("run.csv", "write"),
      'filename "run.csv": extension .csv is not .h5 or .hdf5; use one of those or none (then .h5 is added)',
    );
    invalid(() => withExtension("run.h5.bak", "write"), /extension \.bak is not \.h5 or \.hdf5/);
    invalid(() => withExtension("data.hdf", "write"), /extension \.hdf is not/);
  });

  test("the name must be a non-empty string", () => {
    invalid(() => withExtension("", "write"), 'filename must be a non-empty string, got ""');
    invalid(() => withExtension(undefined, "write"), "filename must be a non-empty string, got undefined");
    invalid(() => withExtension(42, "write"), "filename must be a non-empty string, got 42");
  });
});
