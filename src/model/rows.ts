/**
 * Rows: what a logged value is (dtype and row shape), and copying it into a buffer after
 * checking that it fits. Pure: no HDF5 here.
 *
 * @module
 */
import {
  bigintProblem,
  canCastExactly,
  type Dtype,
  describe,
  isBigIntDtype,
  numberProblem,
  type TypedArray,
  typedArrayDtype,
} from "./dtype.js";
import { InvalidValueError } from "./errors.js";
import { fixedLengthProblem } from "./strings.js";

/** A row's element type and shape (`[]` for a scalar). */
export interface RowSpec {
  readonly dtype: Dtype;
  readonly rowShape: readonly number[];
  /** Strings that must be ASCII: an existing dataset whose type says so (h5py's `string_dtype("ascii")`). */
  readonly ascii?: boolean;
  /** Strings only: each is stored in this many bytes of UTF-8 (fixed-length); variable-length when absent. */
  readonly maxBytes?: number;
}

/** An n-dimensional row given as a flat buffer in row-major (C) order. */
export interface ShapedRow {
  data: TypedArray;
  shape: readonly number[];
}

/** Where rows are buffered: a typed array of the dtype's elements, or strings. */
export type RowBuffer = TypedArray | string[];

/** Number of elements in a row of this shape. */
export function rowSize(rowShape: readonly number[]): number {
  let n = 1;
  for (const d of rowShape) n *= d;
  return n;
}

/** The format used in messages: `(3, 4)`, `()` for a scalar. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function isShapedRow(value: unknown): value is ShapedRow {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    "data" in value &&
    "shape" in value
  );
}

/** Leaves of a nested array: which kind they are and the array's shape. */
function nestedShape(dataset: string, value: unknown[]): { shape: number[]; leaf: unknown } {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) return { shape, leaf: undefined };
    level = level[0];
  }
  if (typeof level !== "number" && typeof level !== "bigint" && typeof level !== "boolean") {
    throw new InvalidValueError(dataset, `arrays must hold numbers, bigints or booleans; found ${describe(level)}`);
  }
  return { shape, leaf: level };
}

/** The dtype and row shape a first value implies. Throws for values h5logger cannot store. */
export function inferRowSpec(dataset: string, value: unknown): RowSpec {
  switch (typeof value) {
    case "number":
      return { dtype: "float64", rowShape: [] };
    case "bigint":
      return { dtype: "int64", rowShape: [] };
    case "boolean":
      return { dtype: "bool", rowShape: [] };
    case "string":
      return { dtype: "string", rowShape: [] };
  }
  const arrayDtype = typedArrayDtype(value);
  if (arrayDtype) return { dtype: arrayDtype, rowShape: [(value as TypedArray).length] };
  if (Array.isArray(value)) {
    const { shape, leaf } = nestedShape(dataset, value);
    const dtype: Dtype = typeof leaf === "bigint" ? "int64" : typeof leaf === "boolean" ? "bool" : "float64";
    return { dtype, rowShape: shape };
  }
  if (isShapedRow(value)) {
    const dtype = typedArrayDtype(value.data);
    if (!dtype) throw new InvalidValueError(dataset, `{ data, shape }: data must be a typed array, got ${describe(value.data)}`);
    checkShapeList(dataset, value.shape);
    return { dtype, rowShape: [...value.shape] };
  }
  throw new InvalidValueError(dataset, unsupported(value));
}

function unsupported(value: unknown): string {
  return `cannot log ${describe(value)}; log a number, bigint, boolean, string, typed array, nested array of numbers, or { data: TypedArray, shape }`;
}

function checkShapeList(dataset: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new InvalidValueError(dataset, `shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeMismatch(dataset: string, spec: RowSpec, got: readonly number[]): InvalidValueError {
  return new InvalidValueError(
    dataset,
    `row shape ${formatShape(got)} does not match the dataset's row shape ${formatShape(spec.rowShape)}`,
  );
}

/**
 * Check `value` against the dataset's row spec and copy it into `target` at element
 * `offset`. Throws {@link InvalidValueError} when it does not fit; the caller only counts
 * the row once this returns, so a failed call leaves no row behind.
 */
export function encodeRow(dataset: string, spec: RowSpec, value: unknown, target: RowBuffer, offset: number): void {
  const { dtype, rowShape } = spec;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || typeof value === "string") {
    if (rowShape.length !== 0) throw shapeMismatch(dataset, spec, []);
    writeElement(dataset, dtype, value, target, offset, spec);
    return;
  }
  const arrayDtype = typedArrayDtype(value);
  if (arrayDtype) {
    const array = value as TypedArray;
    if (!sameShape(rowShape, [array.length])) throw shapeMismatch(dataset, spec, [array.length]);
    copyTypedArray(dataset, dtype, arrayDtype, array, target, offset);
    return;
  }
  if (Array.isArray(value)) {
    encodeNested(dataset, spec, value, target, offset);
    return;
  }
  if (isShapedRow(value)) {
    encodeShaped(dataset, spec, value, target, offset);
    return;
  }
  throw new InvalidValueError(dataset, unsupported(value));
}

/** A nested array: checked for raggedness level by level while its leaves are copied. */
function encodeNested(dataset: string, spec: RowSpec, value: unknown[], target: RowBuffer, offset: number): void {
  const { dtype, rowShape } = spec;
  const { shape } = nestedShape(dataset, value);
  if (!sameShape(rowShape, shape)) throw shapeMismatch(dataset, spec, shape);
  let cursor = offset;
  const walk = (level: unknown, depth: number): void => {
    if (depth === rowShape.length) {
      if (Array.isArray(level)) throw new InvalidValueError(dataset, "ragged nested array: found an array where a value belongs");
      writeElement(dataset, dtype, level, target, cursor++);
      return;
    }
    if (!Array.isArray(level) || level.length !== rowShape[depth]) {
      throw new InvalidValueError(
        dataset,
        `ragged nested array: expected length ${rowShape[depth]} at depth ${depth}, got ${describe(level)}`,
      );
    }
    for (const item of level) walk(item, depth + 1);
  };
  walk(value, 0);
}

/** `{ data, shape }`: the shape must fit the data and the dataset. */
function encodeShaped(dataset: string, spec: RowSpec, value: ShapedRow, target: RowBuffer, offset: number): void {
  const dataDtype = typedArrayDtype(value.data);
  if (!dataDtype) throw new InvalidValueError(dataset, `{ data, shape }: data must be a typed array, got ${describe(value.data)}`);
  checkShapeList(dataset, value.shape);
  if (rowSize(value.shape) !== value.data.length) {
    throw new InvalidValueError(
      dataset,
      `{ data, shape }: shape ${formatShape(value.shape)} needs ${rowSize(value.shape)} elements, data has ${value.data.length}`,
    );
  }
  if (!sameShape(spec.rowShape, value.shape)) throw shapeMismatch(dataset, spec, value.shape);
  copyTypedArray(dataset, spec.dtype, dataDtype, value.data, target, offset);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function writeElement(
  dataset: string,
  dtype: Dtype,
  value: unknown,
  target: RowBuffer,
  offset: number,
  strings: { ascii?: boolean; maxBytes?: number } = {},
): void {
  if (dtype === "string") {
    if (typeof value !== "string") throw new InvalidValueError(dataset, `got ${describe(value)}; this dataset holds strings`);
    // HDF5 variable-length strings end at the first NUL: storing one would silently cut the string short.
    if (value.includes("\0"))
      throw new InvalidValueError(dataset, `got a string that contains a NUL character (\\0), which HDF5 strings cannot hold`);
    // A lone surrogate has no UTF-8 form: it would be stored as U+FFFD, silently changing the string.
    if (/\p{Cs}/u.test(value))
      throw new InvalidValueError(dataset, "got a string that is not valid Unicode (a lone surrogate half), which UTF-8 cannot store");
    if (strings.ascii && !isAscii(value)) {
      throw new InvalidValueError(
        dataset,
        `holds ASCII strings (its type says so, as h5py's string_dtype("ascii") makes it), and ${describe(value)} is not ASCII: h5py could not read it back`,
      );
    }
    const problem = strings.maxBytes === undefined ? null : fixedLengthProblem(value, strings.maxBytes);
    if (problem) throw new InvalidValueError(dataset, problem);
    (target as string[])[offset] = value;
    return;
  }
  if (dtype === "bool") {
    if (typeof value !== "boolean")
      throw new InvalidValueError(dataset, `got ${describe(value)}; this dataset holds booleans (true/false)`);
    (target as Uint8Array)[offset] = value ? 1 : 0;
    return;
  }
  if (typeof value === "number") {
    const problem = numberProblem(value, dtype);
    if (problem) throw new InvalidValueError(dataset, problem);
    if (isBigIntDtype(dtype)) (target as BigInt64Array)[offset] = BigInt(value);
    else (target as Float64Array)[offset] = value;
    return;
  }
  if (typeof value === "bigint") {
    const problem = bigintProblem(value, dtype);
    if (problem) throw new InvalidValueError(dataset, problem);
    if (isBigIntDtype(dtype)) (target as BigInt64Array)[offset] = value;
    else (target as Float64Array)[offset] = Number(value);
    return;
  }
  throw new InvalidValueError(dataset, `got ${describe(value)}; this dataset holds ${dtype}`);
}

function copyTypedArray(
  dataset: string,
  dtype: Dtype,
  from: Exclude<Dtype, "bool" | "string">,
  array: TypedArray,
  target: RowBuffer,
  offset: number,
): void {
  if (!canCastExactly(from, dtype)) {
    throw new InvalidValueError(
      dataset,
      `got ${describe(array)} (${from}); this dataset holds ${dtype} and ${from} does not convert to it exactly`,
    );
  }
  if (isBigIntDtype(dtype) && !isBigIntDtype(from)) {
    const out = target as BigInt64Array;
    for (let i = 0; i < array.length; i++) out[offset + i] = BigInt(array[i] as number);
    return;
  }
  (target as Float64Array).set(array as Float64Array, offset);
}
