/**
 * Unit tests of src/dtype.ts (and the inference in src/rows.ts that uses it): which dtype a
 * first value chooses, and which later values fit a dtype exactly. Pure: no HDF5, no files.
 * Expected values are written by hand from the dtype table in the issue and numpy's rules.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bigintProblem,
  canCastExactly,
  DTYPES,
  describe as describeValue,
  dtypeSize,
  INTEGER_RANGES,
  numberProblem,
  parseDtype,
  typedArrayDtype,
} from "../src/model/dtype.js";
import { isH5LoggerError } from "../src/model/errors.js";
import { inferRowSpec } from "../src/model/rows.js";

describe("inference: the first value chooses dtype and row shape", () => {
  const table: [string, unknown, string, number[]][] = [
    ["number", 0.5, "float64", []],
    ["integer number", 3, "float64", []],
    ["NaN", Number.NaN, "float64", []],
    ["bigint", 3n, "int64", []],
    ["boolean", true, "bool", []],
    ["string", "hello", "string", []],
    ["empty string", "", "string", []],
    ["Float64Array", new Float64Array(3), "float64", [3]],
    ["Float32Array", new Float32Array(2), "float32", [2]],
    ["Int8Array", new Int8Array(4), "int8", [4]],
    ["Int16Array", new Int16Array(1), "int16", [1]],
    ["Int32Array", new Int32Array(5), "int32", [5]],
    ["BigInt64Array", new BigInt64Array(2), "int64", [2]],
    ["Uint8Array", new Uint8Array(7), "uint8", [7]],
    ["Uint8ClampedArray", new Uint8ClampedArray(2), "uint8", [2]],
    ["Uint16Array", new Uint16Array(3), "uint16", [3]],
    ["Uint32Array", new Uint32Array(3), "uint32", [3]],
    ["BigUint64Array", new BigUint64Array(1), "uint64", [1]],
    ["empty typed array", new Float64Array(0), "float64", [0]],
    ["1-d array of numbers", [1, 2, 3], "float64", [3]],
    [
      "2-d nested array",
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      "float64",
      [2, 3],
    ],
    [
      "3-d nested array",
      [
        [[1], [2]],
        [[3], [4]],
      ],
      "float64",
      [2, 2, 1],
    ],
    ["empty array", [], "float64", [0]],
    ["array holding an empty array", [[]], "float64", [1, 0]],
    ["array of bigints", [1n, 2n], "int64", [2]],
    ["array of booleans", [true, false, true], "bool", [3]],
    ["{ data, shape } Int16Array", { data: new Int16Array(6), shape: [2, 3] }, "int16", [2, 3]],
    ["{ data, shape } Float32Array 3-d", { data: new Float32Array(24), shape: [2, 3, 4] }, "float32", [2, 3, 4]],
    ["{ data, shape } with a zero axis", { data: new Uint8Array(0), shape: [3, 0] }, "uint8", [3, 0]],
  ];
  for (const [what, value, dtype, rowShape] of table) {
    test(`${what} -> ${dtype} ${JSON.stringify(rowShape)}`, () => {
      assert.deepEqual(inferRowSpec("d", value), { dtype, rowShape });
    });
  }

  const refused: [string, unknown, RegExp][] = [
    ["undefined", undefined, /cannot log undefined/],
    ["null", null, /cannot log null/],
    ["a plain object", { a: 1 }, /cannot log a plain object/],
    ["a function", () => 1, /cannot log a function/],
    ["a symbol", Symbol("s"), /cannot log a symbol/],
    ["a Date", new Date(0), /cannot log a Date/],
    ["a DataView", new DataView(new ArrayBuffer(8)), /cannot log a DataView/],
    ["an array of strings", ["a", "b"], /arrays must hold numbers, bigints or booleans; found "a"/],
    ["an array of objects", [{}], /arrays must hold numbers, bigints or booleans; found a plain object/],
    ["{ data } that is not a typed array", { data: [1, 2], shape: [2] }, /data must be a typed array, got an array of length 2/],
    ["{ data, shape } with a negative axis", { data: new Float64Array(2), shape: [-2] }, /shape must be an array of non-negative integers/],
    [
      "{ data, shape } with a fractional axis",
      { data: new Float64Array(2), shape: [1.5] },
      /shape must be an array of non-negative integers/,
    ],
  ];
  for (const [what, value, message] of refused) {
    test(`${what} is refused with an InvalidValue error naming the dataset`, () => {
      assert.throws(
        () => inferRowSpec("train/loss", value),
        (err: unknown) => {
          assert.ok(isH5LoggerError(err, "InvalidValue"), `not an InvalidValue error: ${err}`);
          assert.match(err.message, /^train\/loss: /);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});

test("typedArrayDtype maps each TypedArray to its dtype and other values to null", () => {
  assert.equal(typedArrayDtype(new Float64Array(1)), "float64");
  assert.equal(typedArrayDtype(new Uint8ClampedArray(1)), "uint8");
  assert.equal(typedArrayDtype(new BigUint64Array(1)), "uint64");
  assert.equal(typedArrayDtype([1, 2]), null);
  assert.equal(typedArrayDtype(new DataView(new ArrayBuffer(1))), null);
  assert.equal(typedArrayDtype(Buffer.from("ab")), "uint8"); // a Buffer is a Uint8Array
});

test("dtype names: canonical names, the seed's aliases, and a helpful error for others", () => {
  for (const name of DTYPES) assert.equal(parseDtype(name, "x"), name);
  assert.equal(parseDtype("int", "x"), "int64");
  assert.equal(parseDtype("float", "x"), "float64");
  assert.equal(parseDtype("double", "x"), "float64");
  assert.equal(parseDtype("uint", "x"), "uint64");
  assert.equal(parseDtype("str", "x"), "string");
  assert.equal(parseDtype("boolean", "x"), "bool");
  for (const bad of ["float16", "complex128", "Int64", "constructor", "toString", "", 5, null, undefined]) {
    assert.throws(
      () => parseDtype(bad, "datasets.loss"),
      /^TypeError: datasets\.loss: unknown dtype .*; use one of float64, float32, int8/,
    );
  }
  assert.equal(DTYPES.length, 12);
});

test("element sizes as stored", () => {
  const sizes = { float64: 8, float32: 4, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1 };
  for (const [dtype, size] of Object.entries(sizes)) assert.equal(dtypeSize(dtype as never), size, dtype);
});

describe("numbers into a dtype: exact or refused, never silently converted", () => {
  test("0.5 into any integer dtype is refused", () => {
    for (const dtype of ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"] as const) {
      assert.equal(numberProblem(0.5, dtype), `0.5 is not an integer; this dataset holds ${dtype}`);
    }
  });

  test("NaN and ±Infinity into integers are refused; into floats accepted", () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.match(numberProblem(v, "int64") ?? "", /is not an integer/);
      assert.equal(numberProblem(v, "float64"), null);
      assert.equal(numberProblem(v, "float32"), null);
    }
  });

  test("integer ranges are exact at both ends", () => {
    const inside: [number, string][] = [
      [-128, "int8"],
      [127, "int8"],
      [-32768, "int16"],
      [32767, "int16"],
      [-2147483648, "int32"],
      [2147483647, "int32"],
      [0, "uint8"],
      [255, "uint8"],
      [65535, "uint16"],
      [4294967295, "uint32"],
      [-9007199254740992, "int64"],
      [9007199254740992, "int64"],
      [Number(2n ** 64n - 2048n), "uint64"], // the largest double below 2**64
      [-0, "uint8"],
    ];
    for (const [v, dtype] of inside) assert.equal(numberProblem(v, dtype as never), null, `${v} into ${dtype}`);
    const outside: [number, string, string][] = [
      [-129, "int8", "-129 is outside the int8 range -128..127"],
      [128, "int8", "128 is outside the int8 range -128..127"],
      [32768, "int16", "32768 is outside the int16 range -32768..32767"],
      [2147483648, "int32", "2147483648 is outside the int32 range -2147483648..2147483647"],
      [-1, "uint8", "-1 is outside the uint8 range 0..255"],
      [256, "uint8", "256 is outside the uint8 range 0..255"],
      [65536, "uint16", "65536 is outside the uint16 range 0..65535"],
      [-1, "uint32", "-1 is outside the uint32 range 0..4294967295"],
      [4294967296, "uint32", "4294967296 is outside the uint32 range 0..4294967295"],
      [2 ** 63, "int64", "9223372036854775808 is outside the int64 range -9223372036854775808..9223372036854775807"],
      [2 ** 64, "uint64", "18446744073709551616 is outside the uint64 range 0..18446744073709551615"],
    ];
    for (const [v, dtype, message] of outside) assert.equal(numberProblem(v, dtype as never), message);
  });

  test("float32 takes rounding but not overflow to Infinity", () => {
    assert.equal(numberProblem(0.1, "float32"), null);
    assert.equal(numberProblem(3.4028234663852886e38, "float32"), null);
    assert.equal(numberProblem(-3.4028234663852886e38, "float32"), null);
    assert.equal(numberProblem(1e-50, "float32"), null); // underflows to 0 like numpy; a precision loss, not a range error
    assert.equal(numberProblem(1e39, "float32"), "1e+39 is outside the float32 range");
    assert.equal(numberProblem(-1e300, "float32"), "-1e+300 is outside the float32 range");
  });

  test("numbers into bool or string datasets are refused", () => {
    assert.equal(numberProblem(1, "bool"), "got the number 1; this dataset holds booleans (true/false)");
    assert.equal(numberProblem(1, "string"), "got the number 1; this dataset holds strings");
  });
});

describe("bigints into a dtype", () => {
  test("int64 and uint64 bounds are exact", () => {
    assert.equal(bigintProblem(-(2n ** 63n), "int64"), null);
    assert.equal(bigintProblem(2n ** 63n - 1n, "int64"), null);
    assert.equal(
      bigintProblem(2n ** 63n, "int64"),
      "9223372036854775808 is outside the int64 range -9223372036854775808..9223372036854775807",
    );
    assert.equal(
      bigintProblem(-(2n ** 63n) - 1n, "int64"),
      "-9223372036854775809 is outside the int64 range -9223372036854775808..9223372036854775807",
    );
    assert.equal(bigintProblem(0n, "uint64"), null);
    assert.equal(bigintProblem(2n ** 64n - 1n, "uint64"), null);
    assert.equal(bigintProblem(2n ** 64n, "uint64"), "18446744073709551616 is outside the uint64 range 0..18446744073709551615");
    assert.equal(bigintProblem(-1n, "uint64"), "-1 is outside the uint64 range 0..18446744073709551615");
  });

  test("small integer dtypes check their range", () => {
    assert.equal(bigintProblem(127n, "int8"), null);
    assert.equal(bigintProblem(128n, "int8"), "128 is outside the int8 range -128..127");
    assert.equal(bigintProblem(255n, "uint8"), null);
  });

  test("bigints do not go into float, bool or string datasets", () => {
    for (const dtype of ["float64", "float32", "bool", "string"] as const) {
      assert.equal(bigintProblem(1n, dtype), `got the bigint 1n; this dataset holds ${dtype} (bigints only go into integer datasets)`);
    }
  });

  test("INTEGER_RANGES are the two's-complement bounds", () => {
    for (const bits of [8, 16, 32, 64]) {
      const b = BigInt(bits);
      assert.deepEqual(INTEGER_RANGES[`int${bits}` as never], [-(2n ** (b - 1n)), 2n ** (b - 1n) - 1n]);
      assert.deepEqual(INTEGER_RANGES[`uint${bits}` as never], [0n, 2n ** b - 1n]);
    }
  });
});

test("typed arrays cast only where every element converts exactly", () => {
  const accepted: [string, string][] = [
    ["int8", "float64"],
    ["int8", "float32"],
    ["int8", "int16"],
    ["int8", "int64"],
    ["uint8", "int16"],
    ["uint8", "uint64"],
    ["uint8", "float32"],
    ["int16", "float32"],
    ["uint16", "int32"],
    ["int32", "float64"],
    ["uint32", "int64"],
    ["uint32", "float64"],
    ["float32", "float64"],
  ];
  const refused: [string, string][] = [
    ["float64", "float32"], // precision
    ["float64", "int64"],
    ["float32", "int32"],
    ["int64", "float64"],
    ["uint64", "float64"], // beyond 2**53 a double rounds
    ["int32", "float32"],
    ["uint32", "float32"],
    ["int8", "uint8"],
    ["int16", "uint16"],
    ["uint8", "int8"],
    ["uint16", "int16"],
    ["uint32", "int32"],
    ["uint64", "int64"],
    ["int64", "uint64"],
    ["int16", "int8"],
    ["int64", "int32"],
    ["uint8", "bool"],
    ["float64", "string"],
  ];
  for (const [from, to] of accepted) assert.equal(canCastExactly(from as never, to as never), true, `${from} -> ${to}`);
  for (const [from, to] of refused) assert.equal(canCastExactly(from as never, to as never), false, `${from} -> ${to}`);
  for (const dtype of DTYPES) if (dtype !== "bool" && dtype !== "string") assert.equal(canCastExactly(dtype, dtype), true, dtype);
});

test("error messages describe values without dumping them", () => {
  assert.equal(describeValue("x".repeat(41)), "a string of length 41");
  assert.equal(describeValue("short"), '"short"');
  assert.equal(describeValue(new Float64Array(1000)), "a Float64Array of length 1000");
  assert.equal(describeValue(Array(500).fill(0)), "an array of length 500");
  assert.equal(describeValue(5n), "5n");
  assert.equal(describeValue(new Map()), "a Map");
  assert.equal(describeValue(Object.create(null)), "a plain object");
});
