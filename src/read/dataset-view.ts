/**
 * {@link DatasetView}: one dataset of an open file, whose rows are read only when asked for.
 *
 * @module
 */
import { readAttributes } from "../hdf5/attributes.js";
import * as hdf5 from "../hdf5/index.js";
import type { Dtype, TypedArray } from "../model/dtype.js";
import { hdf5Path } from "../model/names.js";
import { formatShape, rowSize } from "../model/rows.js";

/** One row as {@link DatasetView.at} returns it: a scalar, or the row's elements in row-major order. */
export type Row = number | bigint | boolean | string | TypedArray | boolean[] | string[];

/** Rows as {@link DatasetView.slice} returns them. */
export type Rows = TypedArray | boolean[] | string[] | Row[];

/** Nested JavaScript arrays, as {@link DatasetView.toArray} returns them. */
export type NestedArray = number | bigint | boolean | string | NestedArray[];

/**
 * One dataset of an open file. Rows are read from the file only when asked for.
 *
 * What {@link slice} returns, by dtype: a series of scalars gives a typed array
 * (`Float64Array` for float64, `BigInt64Array` for int64, `Uint8Array` for uint8, ...),
 * `boolean[]` for bool and `string[]` for strings. A dataset whose rows are arrays gives an
 * array with one entry per row, each entry that row's elements in row-major order in the
 * same form.
 */
export class DatasetView {
  /** The dataset's full path, like `train/loss`. */
  readonly name: string;
  readonly #source: () => hdf5.FileHandle;
  #info: hdf5.DatasetInfo;

  /** @internal */
  constructor(name: string, source: () => hdf5.FileHandle) {
    this.name = name;
    this.#source = source;
    this.#info = hdf5.datasetInfo(source(), hdf5Path(name));
  }

  get #file(): hdf5.FileHandle {
    return this.#source();
  }

  /** The dataset's shape: rows first, then the row shape. */
  get shape(): number[] {
    return [...this.#info.shape];
  }

  /** The element type, or `null` for a stored type h5logger does not read (see {@link storedType}). */
  get dtype(): Dtype | null {
    return this.#info.dtype;
  }

  /**
   * The stored type as h5py's numpy names it (`<f8`, `|u1`, `|O` for variable-length strings,
   * `|S64` for strings of 64 bytes, `|b1` for h5py's enum booleans). h5logger's own booleans
   * are stored as `|u1` (see FORMAT.md); {@link dtype} says `bool` for both, and `string` for
   * both kinds of strings.
   */
  get storedType(): string {
    if (this.#info.variableLengthString) return "|O";
    if (this.#info.storedType === "bool") return "|b1";
    return this.#info.storedType;
  }

  /**
   * Bytes the rows take in the file, as HDF5's `H5Dget_storage_size` counts them (allocated
   * chunks; 16 bytes per variable-length string); `null` for a compressed dataset.
   */
  get storageBytes(): number | null {
    return hdf5.storageBytes(this.#file, hdf5Path(this.name), this.#info);
  }

  /** For fixed-length strings, the bytes of UTF-8 each can take (h5logger's `maxBytes`); null for other types. */
  get maxBytes(): number | null {
    return this.#info.fixedStringSize > 0 ? this.#info.fixedStringSize : null;
  }

  /**
   * For each axis, the dataset attached to it as its HDF5 dimension scale (h5py's
   * `dims[axis][0]`), by its name in {@link H5Reader.keys}, or null: `["loss.step"]` for a
   * series logged with steps.
   */
  get scales(): (string | null)[] {
    return this.#info.shape.map((_, axis) => {
      const attached = hdf5.attachedScales(this.#file, hdf5Path(this.name), axis);
      return attached.length > 0 ? (attached[0] as string).slice(1) : null;
    });
  }

  /** Whether this dataset is an HDF5 dimension scale (a step or time companion, or a netCDF coordinate). */
  get isScale(): boolean {
    return hdf5.isScale(this.#file, hdf5Path(this.name));
  }

  /** Number of rows (0 for a rank-0 dataset, which holds one value: read it with {@link value}). */
  get length(): number {
    return this.#info.shape[0] ?? 0;
  }

  /** The dataset's attributes. */
  get attrs(): Record<string, unknown> {
    return readAttributes(this.#file, hdf5Path(this.name));
  }

  /** Read the dataset's shape again (after {@link H5Reader.refresh}), to see rows appended since. */
  refresh(): void {
    this.#info = hdf5.datasetInfo(this.#file, hdf5Path(this.name));
  }

  /**
   * Rows `start` (inclusive) to `end` (exclusive); negative indexes count from the end, as in
   * Python, and out-of-range indexes are clipped. Only these rows are read from the file.
   */
  slice(start = 0, end = this.length): Rows {
    const [from, to] = clip(start, end, this.length);
    return this.#rows(from, to);
  }

  /** Row `index` (negative counts from the end). */
  at(index: number): Row {
    const i = index < 0 ? this.length + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`${this.name}: row ${index} is out of range for ${this.length} rows`);
    }
    const rows = this.#rows(i, i + 1);
    return this.#info.shape.length === 1 ? ((rows as ArrayLike<Row>)[0] as Row) : ((rows as Row[])[0] as Row);
  }

  /** Every row: `slice(0, length)`. */
  get value(): Rows {
    return this.slice();
  }

  /** Every row as nested JavaScript arrays (int64 values as bigints, to stay exact). */
  toArray(): NestedArray[] {
    const flat = this.#flat(0, this.length);
    return nest(Array.from(flat as ArrayLike<NestedArray>), this.#info.shape);
  }

  /** Like h5py: `<HDF5 dataset "loss": shape (10,), type "<f8">`. */
  toString(): string {
    const base = this.name.split("/").at(-1);
    return `<HDF5 dataset "${base}": shape ${formatShape(this.#info.shape)}, type "${this.storedType}">`;
  }

  #flat(from: number, to: number): TypedArray | boolean[] | string[] {
    const data = hdf5.readRows(this.#file, hdf5Path(this.name), this.#info, from, to);
    if (this.#info.dtype === "bool") return Array.from(data as Uint8Array, (b) => b !== 0);
    return data as TypedArray | string[];
  }

  #rows(from: number, to: number): Rows {
    const flat = this.#flat(from, to);
    if (this.#info.shape.length <= 1) return flat;
    const perRow = rowSize(this.#info.shape.slice(1));
    const rows: Row[] = [];
    for (let r = 0; r < to - from; r++) {
      const begin = r * perRow;
      rows.push(
        ArrayBuffer.isView(flat) ? (flat as TypedArray).subarray(begin, begin + perRow) : (flat.slice(begin, begin + perRow) as Row),
      );
    }
    return rows;
  }
}

function clip(start: number, end: number, length: number): [number, number] {
  const norm = (i: number) => Math.min(length, Math.max(0, i < 0 ? length + i : i));
  const from = norm(Math.trunc(start));
  const to = norm(Math.trunc(end));
  return [from, Math.max(from, to)];
}

function nest(flat: NestedArray[], shape: readonly number[]): NestedArray[] {
  if (shape.length <= 1) return flat;
  const inner = shape.slice(1);
  const step = rowSize(inner);
  const out: NestedArray[] = [];
  for (let i = 0; i < (shape[0] ?? 0); i++) out.push(nest(flat.slice(i * step, (i + 1) * step), inner));
  return out;
}
