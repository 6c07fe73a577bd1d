/**
 * The pure parts of runs, with no HDF5: writer names (they become file names), and the exactly
 * rounded sum behind a run's mean, checked against Python's math.fsum.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidOptionError } from "../src/index.js";
import { exactSum } from "../src/model/exact-sum.js";
import { checkWriterName, defaultWriterName, writerOfFile } from "../src/model/writers.js";
import { have, python } from "./helpers/interop.js";

test("writer names: a file name in the run folder, nothing else", () => {
  for (const good of ["w0", "rank-3", "gpu.0", "élève", "a b", "host-123-t4", "x".repeat(238)]) assert.equal(checkWriterName(good), good);
  const bad: [unknown, RegExp][] = [
    ["", /is empty/],
    ["a/b", /path separator/],
    ["/abs", /path separator/],
    ["a\\b", /path separator/],
    [".", /not a file name|starts with/],
    ["..", /not a file name/],
    [".hidden", /starts with '\.'/],
    ["index", /index\.h5/],
    ["INDEX", /index\.h5/],
    ["w0.h5", /ends in \.h5/],
    ["w0.HDF5", /ends in \.HDF5/],
    ["tab\there", /control character/],
    ["nul\0", /control character/],
    ["\ud800", /lone surrogate/],
    ["x".repeat(239), /longer than 238 bytes/],
    ["é".repeat(120), /longer than/],
    [3, /must be a string/],
    [null, /must be a string/],
  ];
  for (const [name, problem] of bad) {
    assert.throws(
      () => checkWriterName(name),
      (err: unknown) => err instanceof InvalidOptionError && /^writer name /.test(err.message) && problem.test(err.message),
      `writer name ${JSON.stringify(name)}`,
    );
  }
});

test("writer files: every <writer>.h5 but the index and hidden files", () => {
  assert.equal(writerOfFile("w3.h5"), "w3");
  assert.equal(writerOfFile("host-12-t2.h5"), "host-12-t2");
  for (const other of ["index.h5", ".index.h5.new", "w3.h5.lock", "w3.h5.journal", "w3.hdf5", "notes.txt", ".h5", "Index.h5"]) {
    assert.equal(writerOfFile(other), null, other);
  }
});

test("default writer names: unique per host, process and thread, and valid", () => {
  assert.equal(defaultWriterName("node7", 1234, 0), "node7-1234");
  assert.equal(defaultWriterName("node7", 1234, 3), "node7-1234-t3");
  assert.notEqual(defaultWriterName("node7", 1234, 1), defaultWriterName("node7", 1234, 2));
  for (const host of ["a/b", ".x", "", "host name", "ü"]) checkWriterName(defaultWriterName(host, 1, 2));
});

test("exactSum is Python's math.fsum, bit for bit", (t) => {
  if (!have(t, "h5py")) return;
  // Seeded: the same cases every run; sums that naive addition gets wrong.
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const cases: number[][] = [
    [],
    [1e100, 1, -1e100],
    [0.1, 0.2, 0.3],
    [1, 1e-16, 1e-16],
    [2 ** 53, 1, 1],
    [-0],
    [5e-324, 5e-324],
    [Number.MAX_VALUE, -Number.MAX_VALUE, 1],
  ];
  for (let c = 0; c < 200; c++) {
    const n = 1 + Math.floor(random() * 12);
    cases.push(Array.from({ length: n }, () => (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20)));
  }
  const expected = python<string[]>(
    "import sys, json, math\nprint(json.dumps([repr(math.fsum(c)) for c in json.loads(sys.argv[1])]))",
    JSON.stringify(cases),
  );
  cases.forEach((c, i) => {
    const ours = exactSum(Float64Array.from(c));
    assert.equal(ours, Number(expected[i]), `fsum(${JSON.stringify(c)}): ${expected[i]}, ours ${ours}`);
  });
  // Python's fsum raises on these; ours follows IEEE.
  assert.equal(exactSum([Number.POSITIVE_INFINITY, 1]), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(exactSum([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])));
  assert.ok(Number.isNaN(exactSum([1, Number.NaN])));
  assert.equal(exactSum([Number.MAX_VALUE, Number.MAX_VALUE]), Number.POSITIVE_INFINITY);
  assert.ok(Object.is(exactSum([-0, -0]), 0), "a sum of zeros is +0, as fsum's");
  // Python's fsum gives up on an intermediate overflow; the exact sum is a double.
  assert.equal(exactSum([1e308, 1e308, -1e308]), 1e308);
});
