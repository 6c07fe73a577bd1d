/**
 * Dtypes: which element types h5logger stores, how a first value chooses one, and which
 * later values fit without a lossy conversion. Pure: no HDF5 here.
 *
 * @module
 */

/** The element types h5logger writes. */
export type Dtype =
  | "float64"
  | "float32"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "string";

/** Every {@link Dtype}, in a stable order. */
export const DTYPES: readonly Dtype[] = [
  "float64",
  "float32",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "bool",
  "string",
];

/** Names accepted in declarations besides the canonical ones (the seed's `"int"`, `"float"`...). */
const ALIASES: Record<string, Dtype> = {
  float: "float64",
  double: "float64",
  int: "int64",
  uint: "uint64",
  boolean: "bool",
  str: "string",
};

/** A dtype name as a user may write it: canonical or an alias. */
export function parseDtype(name: unknown, what: string): Dtype {
  if (typeof name === "string") {
    if ((DTYPES as readonly string[]).includes(name)) return name as Dtype;
    if (Object.hasOwn(ALIASES, name)) return ALIASES[name] as Dtype;
  }
  throw new TypeError(`${what}: unknown dtype ${describe(name)}; use one of ${DTYPES.join(", ")} (or float, int, uint, str)`);
}

/** Any typed array h5logger accepts as a row. */
export type TypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** The dtype a typed array's elements have. */
export function typedArrayDtype(value: unknown): Exclude<Dtype, "bool" | "string"> | null {
  if (value instanceof Float64Array) return "float64";
  if (value instanceof Float32Array) return "float32";
  if (value instanceof Int8Array) return "int8";
  if (value instanceof Int16Array) return "int16";
  if (value instanceof Int32Array) return "int32";
  if (value instanceof BigInt64Array) return "int64";
  if (value instanceof Uint8Array || value instanceof Uint8ClampedArray) return "uint8";
  if (value instanceof Uint16Array) return "uint16";
  if (value instanceof Uint32Array) return "uint32";
  if (value instanceof BigUint64Array) return "uint64";
  return null;
}

/** The typed array that holds a dtype's elements in memory (booleans as 0/1 bytes). */
export function arrayTypeFor(dtype: Exclude<Dtype, "string">) {
  switch (dtype) {
    case "float64":
      return Float64Array;
    case "float32":
      return Float32Array;
    case "int8":
      return Int8Array;
    case "int16":
      return Int16Array;
    case "int32":
      return Int32Array;
    case "int64":
      return BigInt64Array;
    case "uint8":
    case "bool":
      return Uint8Array;
    case "uint16":
      return Uint16Array;
    case "uint32":
      return Uint32Array;
    case "uint64":
      return BigUint64Array;
  }
}

/** Bytes per element as stored (a pointer's worth for strings, which live elsewhere). */
export function dtypeSize(dtype: Dtype): number {
  if (dtype === "string") return 4;
  return arrayTypeFor(dtype).BYTES_PER_ELEMENT;
}

/** Whether the dtype's elements are bigints in JavaScript. */
export function isBigIntDtype(dtype: Dtype): dtype is "int64" | "uint64" {
  return dtype === "int64" || dtype === "uint64";
}

/** Inclusive integer ranges, as bigints so int64/uint64 bounds are exact. */
export const INTEGER_RANGES: Partial<Record<Dtype, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 2n ** 64n - 1n],
};

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Why a number does not fit a dtype, or `null` when it fits exactly (floats: up to rounding
 * to the dtype's precision; integers: exactly).
 */
export function numberProblem(value: number, dtype: Dtype): string | null {
  if (dtype === "float64") return null;
  if (dtype === "float32") {
    // Rounding to float32 is what a float32 column means; overflowing to Infinity is not.
    return Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX ? `${value} is outside the float32 range` : null;
  }
  if (dtype === "bool") return `got the number ${value}; this dataset holds booleans (true/false)`;
  if (dtype === "string") return `got the number ${value}; this dataset holds strings`;
  if (!Number.isInteger(value)) return `${value} is not an integer; this dataset holds ${dtype}`;
  return bigintProblem(BigInt(value), dtype);
}

/** Why a bigint does not fit a dtype, or `null` when it fits exactly. */
export function bigintProblem(value: bigint, dtype: Dtype): string | null {
  const range = INTEGER_RANGES[dtype];
  if (!range) return `got the bigint ${value}n; this dataset holds ${dtype} (bigints only go into integer datasets)`;
  if (value < range[0] || value > range[1]) return `${value} is outside the ${dtype} range ${range[0]}..${range[1]}`;
  return null;
}

// Conversions that keep every value exactly (numpy's "safe" casting, minus int64/uint64 -> float64,
// which rounds large values).
const SAFE_CASTS: Record<Exclude<Dtype, "bool" | "string">, readonly Dtype[]> = {
  float64: ["float64"],
  float32: ["float32", "float64"],
  int8: ["int8", "int16", "int32", "int64", "float32", "float64"],
  int16: ["int16", "int32", "int64", "float32", "float64"],
  int32: ["int32", "int64", "float64"],
  int64: ["int64"],
  uint8: ["uint8", "uint16", "uint32", "uint64", "int16", "int32", "int64", "float32", "float64"],
  uint16: ["uint16", "uint32", "uint64", "int32", "int64", "float32", "float64"],
  uint32: ["uint32", "uint64", "int64", "float64"],
  uint64: ["uint64"],
};

/** Whether every element of a `from` typed array converts exactly to `to`. */
export function canCastExactly(from: Exclude<Dtype, "bool" | "string">, to: Dtype): boolean {
  return SAFE_CASTS[from].includes(to);
}

/** A short description of a value for error messages (never its whole content). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as TypedArray).length ?? value.byteLength}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const name = (value as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "a plain object";
}
