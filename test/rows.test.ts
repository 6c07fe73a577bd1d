/**
 * Unit tests of src/rows.ts: checking a value against a dataset's row spec and copying it
 * into a buffer. Pure: no HDF5. Expected buffers are written out by hand.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isH5LoggerError } from "../src/model/errors.js";
import { encodeRow, formatShape, type RowSpec, rowSize } from "../src/model/rows.js";

/** Assert that encoding throws an InvalidValue error for `dataset` whose message matches. */
function refuses(spec: RowSpec, value: unknown, message: RegExp, target = new Float64Array(64)): void {
  assert.throws(
    () => encodeRow("run/x", spec, value, target, 0),
    (err: unknown) => {
      assert.ok(isH5LoggerError(err, "InvalidValue"), `not an InvalidValue error: ${err}`);
      assert.equal((err as { dataset?: string }).dataset, "run/x");
      assert.match(err.message, /^run\/x: /);
      assert.match(err.message, message);
      return true;
    },
  );
}

test("rowSize and formatShape", () => {
  assert.equal(rowSize([]), 1);
  assert.equal(rowSize([3]), 3);
  assert.equal(rowSize([2, 3, 4]), 24);
  assert.equal(rowSize([5, 0]), 0);
  assert.equal(formatShape([]), "()");
  assert.equal(formatShape([3]), "(3,)");
  assert.equal(formatShape([2, 3]), "(2, 3)");
  assert.equal(formatShape([0, 28, 28]), "(0, 28, 28)");
});

describe("encoding rows into a buffer", () => {
  test("scalars land at the offset", () => {
    const target = new Float64Array(4);
    encodeRow("x", { dtype: "float64", rowShape: [] }, 2.5, target, 2);
    assert.deepEqual(target, Float64Array.of(0, 0, 2.5, 0));
  });

  test("a nested 2x3 array is stored row-major", () => {
    const target = new Float64Array(8);
    encodeRow(
      "x",
      { dtype: "float64", rowShape: [2, 3] },
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      target,
      1,
    );
    assert.deepEqual(target, Float64Array.of(0, 1, 2, 3, 4, 5, 6, 0));
  });

  test("{ data, shape } is copied as is", () => {
    const target = new Int16Array(6);
    encodeRow("x", { dtype: "int16", rowShape: [2, 3] }, { data: Int16Array.of(-1, 2, -3, 4, -5, 6), shape: [2, 3] }, target, 0);
    assert.deepEqual(target, Int16Array.of(-1, 2, -3, 4, -5, 6));
  });

  test("an int8 typed array goes into float64 and int64 exactly", () => {
    const f = new Float64Array(3);
    encodeRow("x", { dtype: "float64", rowShape: [3] }, Int8Array.of(-128, 0, 127), f, 0);
    assert.deepEqual(f, Float64Array.of(-128, 0, 127));
    const i = new BigInt64Array(3);
    encodeRow("x", { dtype: "int64", rowShape: [3] }, Int8Array.of(-128, 0, 127), i, 0);
    assert.deepEqual(i, BigInt64Array.of(-128n, 0n, 127n));
  });

  test("int64 and uint64 extremes are exact as bigints", () => {
    const i = new BigInt64Array(2);
    encodeRow("x", { dtype: "int64", rowShape: [2] }, [-(2n ** 63n), 2n ** 63n - 1n], i, 0);
    assert.deepEqual(i, BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n));
    const u = new BigUint64Array(1);
    encodeRow("x", { dtype: "uint64", rowShape: [] }, 2n ** 64n - 1n, u, 0);
    assert.equal(u[0], 18446744073709551615n);
  });

  test("integral numbers go into int64 as bigints", () => {
    const i = new BigInt64Array(2);
    encodeRow("x", { dtype: "int64", rowShape: [2] }, [9007199254740992, -3], i, 0);
    assert.deepEqual(i, BigInt64Array.of(9007199254740992n, -3n));
  });

  test("booleans are stored as 0/1 bytes", () => {
    const b = new Uint8Array(3);
    encodeRow("x", { dtype: "bool", rowShape: [3] }, [true, false, true], b, 0);
    assert.deepEqual(b, Uint8Array.of(1, 0, 1));
  });

  test("strings are stored as strings, unicode and empty included", () => {
    const s: string[] = ["", "", ""];
    encodeRow("x", { dtype: "string", rowShape: [] }, "héllo 🎉", s, 1);
    encodeRow("x", { dtype: "string", rowShape: [] }, "", s, 2);
    assert.deepEqual(s, ["", "héllo 🎉", ""]);
  });

  test("float32 rows round like Math.fround", () => {
    const f = new Float32Array(2);
    encodeRow("x", { dtype: "float32", rowShape: [2] }, [0.1, 1 / 3], f, 0);
    assert.deepEqual(Array.from(f), [Math.fround(0.1), Math.fround(1 / 3)]);
  });
});

describe("values that do not fit are refused", () => {
  const f64: RowSpec = { dtype: "float64", rowShape: [] };
  test("0.5 into int64", () =>
    refuses({ dtype: "int64", rowShape: [] }, 0.5, /0\.5 is not an integer; this dataset holds int64/, new BigInt64Array(1) as never));
  test("a fraction inside an integer array", () =>
    refuses(
      { dtype: "int32", rowShape: [3] },
      [1, 2.5, 3],
      /2\.5 is not an integer; this dataset holds int32/,
      new Int32Array(3) as never,
    ));
  test("an out-of-range integer", () =>
    refuses({ dtype: "uint8", rowShape: [2] }, [255, 256], /256 is outside the uint8 range 0\.\.255/, new Uint8Array(2) as never));
  test("int64 bound + 1 as a bigint", () =>
    refuses({ dtype: "int64", rowShape: [] }, 2n ** 63n, /outside the int64 range/, new BigInt64Array(1) as never));
  test("a float64 array into float32", () =>
    refuses(
      { dtype: "float32", rowShape: [2] },
      Float64Array.of(1, 2),
      /got a Float64Array of length 2 \(float64\); this dataset holds float32 and float64 does not convert to it exactly/,
    ));
  test("an int64 array into float64", () =>
    refuses(
      { dtype: "float64", rowShape: [1] },
      BigInt64Array.of(1n),
      /\(int64\); this dataset holds float64 and int64 does not convert to it exactly/,
    ));
  test("a uint8 array into int8", () =>
    refuses({ dtype: "int8", rowShape: [1] }, Uint8Array.of(200), /\(uint8\); this dataset holds int8/));
  test("a string into float64", () => refuses(f64, "1.5", /got "1\.5"; this dataset holds float64/));
  test("a number into a string dataset", () =>
    refuses({ dtype: "string", rowShape: [] }, 1, /got 1; this dataset holds strings/, [] as never));
  test("a number into a bool dataset", () =>
    refuses({ dtype: "bool", rowShape: [] }, 1, /got 1; this dataset holds booleans/, new Uint8Array(1) as never));
  test("a string holding NUL (HDF5 strings end at NUL: it would be cut short)", () =>
    refuses({ dtype: "string", rowShape: [] }, "a\0b", /contains a NUL character/, [] as never));
  test("a boolean into float64", () => refuses(f64, true, /got true; this dataset holds float64/));
  test("a bigint into float64", () => refuses(f64, 1n, /got the bigint 1n; this dataset holds float64/));
  test("undefined, null, objects, functions, symbols", () => {
    for (const [value, what] of [
      [undefined, "undefined"],
      [null, "null"],
      [{}, "a plain object"],
      [() => 0, "a function"],
      [Symbol("s"), "a symbol"],
    ] as const) {
      refuses(f64, value, new RegExp(`cannot log ${what}`));
    }
  });
});

describe("row shape mismatches and ragged arrays", () => {
  const v3: RowSpec = { dtype: "float64", rowShape: [3] };
  const m22: RowSpec = { dtype: "float64", rowShape: [2, 2] };
  test("scalar into a (3,) dataset", () => refuses(v3, 1, /row shape \(\) does not match the dataset's row shape \(3,\)/));
  test("length 2 into a (3,) dataset", () => refuses(v3, [1, 2], /row shape \(2,\) does not match the dataset's row shape \(3,\)/));
  test("typed array of the wrong length", () =>
    refuses(v3, new Float64Array(4), /row shape \(4,\) does not match the dataset's row shape \(3,\)/));
  test("array into a scalar dataset", () =>
    refuses({ dtype: "float64", rowShape: [] }, [1], /row shape \(1,\) does not match the dataset's row shape \(\)/));
  test("(2, 3) into (2, 2)", () =>
    refuses(
      m22,
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      /row shape \(2, 3\) does not match the dataset's row shape \(2, 2\)/,
    ));
  test("{ data, shape } of another shape", () =>
    refuses(m22, { data: new Float64Array(4), shape: [4, 1] }, /row shape \(4, 1\) does not match the dataset's row shape \(2, 2\)/));
  test("{ data, shape } whose data is too short", () =>
    refuses(m22, { data: new Float64Array(3), shape: [2, 2] }, /shape \(2, 2\) needs 4 elements, data has 3/));
  test("ragged: a short inner array", () =>
    refuses(m22, [[1, 2], [3]], /ragged nested array: expected length 2 at depth 1, got an array of length 1/));
  test("ragged: a long inner array", () =>
    refuses(
      m22,
      [
        [1, 2],
        [3, 4, 5],
      ],
      /ragged nested array: expected length 2 at depth 1, got an array of length 3/,
    ));
  test("ragged: a number where an array belongs", () =>
    refuses(m22, [[1, 2], 3], /ragged nested array: expected length 2 at depth 1, got 3/));
  test("ragged: an array where a number belongs", () =>
    refuses(v3, [1, [2], 3], /ragged nested array: found an array where a value belongs/));
  test("mixed leaves", () => refuses(v3, [1, "2", 3], /got "2"; this dataset holds float64/));
});
