/**
 * A column: the rows of one dataset that `log()` accepted and that are not in the file yet,
 * plus their optional step and time, and how to append them to the file.
 *
 * @module
 */

import * as hdf5 from "../hdf5/index.js";
import { arrayTypeFor, type TypedArray, typedArrayDtype } from "../model/dtype.js";
import { hdf5Path, STEP_SUFFIX, TIME_SUFFIX } from "../model/names.js";
import type { MemoryBudget } from "./budget.js";
import { encodeRow, type RowBuffer, type RowSpec, rowSize, type ShapedRow } from "../model/rows.js";
import { chunkRowsFor, fileRowBytes, withChunkRows } from "./chunks.js";
import { linkCompanions } from "./scales.js";

/** How a column's rows are laid out in the file and in memory. */
export interface ColumnLayout {
  /** Rows per HDF5 chunk; until the dataset is created, the most it may get. */
  chunkRows: number;
  /** Rows buffered before the column appends them to the file. */
  batchRows: number;
  /** Bytes of buffered strings before the column appends them (string rows vary in size). */
  batchBytes: number;
  /** The largest chunk in bytes (the logger's `chunkBytes`). */
  maxChunkBytes: number;
  /** Deflate level of the dataset and its companions, or null for none. */
  deflate: number | null;
}

/** Which per-row companions a column records. */
export interface Companions {
  step: boolean;
  time: boolean;
}

const INITIAL_ROWS = 64;

/** One dataset's pending rows. */
export class Column {
  /** The dataset name as logged (`train/loss`). */
  readonly name: string;
  /** The HDF5 path (`/train/loss`). */
  readonly path: string;
  readonly spec: RowSpec;
  /** Settled when the dataset is created (its chunk size comes from the rows it has then). */
  layout: ColumnLayout;
  readonly companions: Companions;
  /** Elements per row. */
  readonly rowElements: number;
  /** Bytes per row in memory (strings: an estimate). */
  readonly rowBytes: number;
  /** Rows already in the file. */
  rowsOnDisk: number;
  /** Rows buffered, not yet in the file. */
  count = 0;
  /** Whether the dataset exists in the file. */
  created: boolean;
  /** When its first row was logged (performance.now()): a scheduled flush creates no dataset younger than half a flush interval. */
  readonly bornAt = performance.now();
  /**
   * An existing dataset that may lack the dimension scales of its companions (a file written
   * before them): they are attached at its first append, or before concurrent readers come on.
   */
  linkPending = false;

  /** The buffered rows; null until needed when rows are borrowed (see #borrows). */
  #data: RowBuffer | null;
  #capacity: number;
  #steps: Float64Array | null;
  #times: Float64Array | null;
  /** Most rows one append wrote since the last release(): what the buffer keeps then. */
  #used = 0;
  readonly #float64Scalar: boolean;
  /** Rows are arrays of a numeric dtype: a typed array of exactly that dtype is copied as is. */
  readonly #typedRows: boolean;
  /**
   * Batches of one row (a row as large as a batch): the caller appends as soon as the column
   * is full, that is right after push(), so a row given as a typed array of the column's dtype
   * is kept by reference until then and copied once, into HDF5's memory, not twice.
   */
  readonly #borrows: boolean;
  /** The row push() took by reference, until append() writes it. */
  #borrowed: TypedArray | null = null;
  /** Length of the strings buffered: a string row can be any size, so it counts apart from rowBytes. */
  #stringBytes = 0;
  readonly #budget: MemoryBudget;
  /** The layout's batch sizes, as numbers of this object: `full` is asked after every push. */
  #batchRows: number;
  #batchBytes: number;

  constructor(
    name: string,
    spec: RowSpec,
    layout: ColumnLayout,
    companions: Companions,
    rowsOnDisk: number,
    created: boolean,
    budget: MemoryBudget,
  ) {
    this.name = name;
    this.path = hdf5Path(name);
    this.spec = spec;
    this.layout = layout;
    this.#batchRows = layout.batchRows;
    this.#batchBytes = layout.batchBytes;
    this.companions = companions;
    this.rowElements = rowSize(spec.rowShape);
    this.rowBytes = fileRowBytes(spec);
    this.rowsOnDisk = rowsOnDisk;
    this.created = created;
    this.#float64Scalar = spec.dtype === "float64" && spec.rowShape.length === 0;
    this.#typedRows = spec.rowShape.length > 0 && spec.dtype !== "string" && spec.dtype !== "bool";
    this.#borrows = this.#typedRows && layout.batchRows === 1;
    this.#budget = budget;
    this.#capacity = Math.min(INITIAL_ROWS, layout.batchRows);
    this.#data = this.#borrows ? null : this.#allocate(this.#capacity);
    this.#steps = companions.step ? new Float64Array(this.#capacity) : null;
    this.#times = companions.time ? new Float64Array(this.#capacity) : null;
    budget.add(this.bufferedBytes);
  }

  /** Bytes one buffered row takes, companions included. */
  get #bytesPerRow(): number {
    return this.rowBytes + (this.#steps ? 8 : 0) + (this.#times ? 8 : 0);
  }

  /**
   * Shrink an empty buffer to what its largest batch since the last release needed (at least
   * the initial size), giving the bytes back to the budget. A column that fills its buffer
   * keeps it: shrinking it only to grow it again row by row cost the wide case a third of its time.
   */
  release(): void {
    const keep = Math.max(Math.min(INITIAL_ROWS, this.layout.batchRows), this.#used);
    this.#used = 0;
    if (this.count > 0 || keep >= this.#capacity) return;
    this.#budget.add(-(this.#capacity - keep) * this.#bytesPerRow);
    this.#capacity = keep;
    this.#data = this.#data === null ? null : this.#allocate(keep);
    if (this.#steps) this.#steps = new Float64Array(keep);
    if (this.#times) this.#times = new Float64Array(keep);
  }

  /** The buffer, allocated on first use when rows are borrowed. */
  #buffer(): RowBuffer {
    if (this.#data === null) this.#data = this.#allocate(this.#capacity);
    return this.#data;
  }

  /**
   * The row's elements as given, when `value` is a typed array (or `{ data, shape }`) of exactly
   * this column's dtype and row shape; null otherwise, and then encodeRow() converts the value
   * or says what is wrong with it. What passes here, encodeRow() would copy unchanged.
   */
  #exactRow(value: unknown): TypedArray | null {
    if (!this.#typedRows || typeof value !== "object" || value === null) return null;
    const rowShape = this.spec.rowShape;
    if (ArrayBuffer.isView(value)) {
      const ok = rowShape.length === 1 && typedArrayDtype(value) === this.spec.dtype && (value as TypedArray).length === this.rowElements;
      return ok ? (value as TypedArray) : null;
    }
    if (Array.isArray(value)) return null;
    const { data, shape } = value as ShapedRow;
    if (typedArrayDtype(data) !== this.spec.dtype || data.length !== this.rowElements) return null;
    if (!Array.isArray(shape) || shape.length !== rowShape.length) return null;
    for (let i = 0; i < shape.length; i++) if (shape[i] !== rowShape[i]) return null;
    return data;
  }

  #allocate(rows: number): RowBuffer {
    const elements = rows * this.rowElements;
    return this.spec.dtype === "string" ? new Array<string>(elements) : new (arrayTypeFor(this.spec.dtype))(elements);
  }

  /** Bytes this column holds in memory. */
  get bufferedBytes(): number {
    return this.#capacity * this.#bytesPerRow;
  }

  /** Whether the buffer is full: the caller appends before the next push. */
  get full(): boolean {
    return this.count >= this.#batchRows || this.#stringBytes >= this.#batchBytes;
  }

  /**
   * Check a value and add it as the next row. Throws when it does not fit; then nothing is added.
   * `step` and `time` are stored when the column records them.
   */
  push(value: unknown, step: number, time: number): void {
    if (this.#borrowed !== null) this.#keepBorrowed();
    if (this.count === this.#capacity) this.#grow();
    const row = this.count;
    if (this.#float64Scalar && typeof value === "number") {
      (this.#data as Float64Array)[row] = value;
    } else {
      // Typed arrays of the column's own dtype skip encodeRow's general checks (and its allocations).
      const exact = this.#exactRow(value);
      if (exact === null) encodeRow(this.name, this.spec, value, this.#buffer(), row * this.rowElements);
      else if (this.#borrows && row === 0) this.#borrowed = exact;
      else (this.#buffer() as Float64Array).set(exact as Float64Array, row * this.rowElements);
    }
    if (this.#steps) this.#steps[row] = step;
    if (this.#times) this.#times[row] = time;
    if (typeof value === "string") this.#stringBytes += value.length;
    this.count = row + 1;
  }

  #grow(): void {
    // Past the budget's bound the logger writes every column out after this push (see logger.ts).
    const capacity = Math.min(this.layout.batchRows, this.#capacity * 2);
    this.#budget.add((capacity - this.#capacity) * this.#bytesPerRow);
    if (this.#data !== null) {
      const data = this.#allocate(capacity);
      if (Array.isArray(data)) {
        const old = this.#data as string[];
        for (let i = 0; i < old.length; i++) data[i] = old[i] as string;
      } else {
        (data as Float64Array).set(this.#data as Float64Array);
      }
      this.#data = data;
    }
    if (this.#steps) this.#steps = grown(this.#steps, capacity);
    if (this.#times) this.#times = grown(this.#times, capacity);
    this.#capacity = capacity;
  }

  // A borrowed row must not outlive the log() call that gave it; copy it if no append came.
  #keepBorrowed(): void {
    const borrowed = this.#borrowed as TypedArray;
    this.#borrowed = null;
    (this.#buffer() as Float64Array).set(borrowed as Float64Array, 0);
  }

  /** Record steps from now on: only while the column holds no row at all (the logger checks). */
  addSteps(file: hdf5.FileHandle): void {
    if (this.created) {
      createCompanion(file, this.path + STEP_SUFFIX, "int64", this.layout, this.layout.chunkRows);
      linkCompanions(file, this.path, { ...this.companions, step: true }, this.spec.rowShape.length, false);
    }
    this.companions.step = true;
    this.#steps = new Float64Array(this.#capacity);
    this.#budget.add(8 * this.#capacity);
  }

  /**
   * Create the dataset (and its companions, its dimension scale) in the file if it is not there
   * yet; its chunk holds the rows buffered now (see chunks.ts).
   */
  create(file: hdf5.FileHandle): void {
    if (this.created) {
      if (this.linkPending) linkCompanions(file, this.path, this.companions, this.spec.rowShape.length, false);
      this.linkPending = false;
      return;
    }
    const { dtype, rowShape, maxBytes } = this.spec;
    const known = this.count > 0 ? this.count : null;
    const layout = withChunkRows(this.layout, this.rowBytes, chunkRowsFor(this.rowBytes, known, this.layout.maxChunkBytes));
    if (this.companions.step) createCompanion(file, this.path + STEP_SUFFIX, "int64", layout, known);
    if (this.companions.time) createCompanion(file, this.path + TIME_SUFFIX, "float64", layout, known);
    hdf5.createDataset(file, this.path, dtype, { rowShape }, layout.chunkRows, { deflate: layout.deflate, stringBytes: maxBytes });
    linkCompanions(file, this.path, this.companions, rowShape.length, true);
    this.layout = layout;
    this.#batchRows = layout.batchRows;
    this.#batchBytes = layout.batchBytes;
    this.created = true;
  }

  /**
   * Append the buffered rows to the file. Companions go first, so a reader that sees a row
   * of the dataset also finds its step and time.
   */
  append(file: hdf5.FileHandle): void {
    this.create(file);
    const rows = this.count;
    if (rows === 0) return;
    const start = this.rowsOnDisk;
    if (this.#steps) {
      const steps = BigInt64Array.from(this.#steps.subarray(0, rows), (s) => BigInt(s));
      hdf5.appendRows(file, this.path + STEP_SUFFIX, [], start, rows, steps);
    }
    if (this.#times) hdf5.appendRows(file, this.path + TIME_SUFFIX, [], start, rows, this.#times.subarray(0, rows));
    const elements = rows * this.rowElements;
    const buffer = this.#borrowed ?? this.#buffer();
    const data = Array.isArray(buffer) ? buffer.slice(0, elements) : buffer.subarray(0, elements);
    try {
      hdf5.appendRows(file, this.path, this.spec.rowShape, start, rows, data, this.spec.maxBytes);
    } finally {
      this.#borrowed = null;
    }
    this.rowsOnDisk = start + rows;
    this.count = 0;
    this.#stringBytes = 0;
    if (rows > this.#used) this.#used = rows;
    if (Array.isArray(buffer)) buffer.fill("", 0, elements); // let the strings be collected
  }
}

/** A step or time dataset: 8-byte rows, chunked by the same rule as its dataset, compressed alike. */
export function createCompanion(
  file: hdf5.FileHandle,
  path: string,
  dtype: "int64" | "float64",
  layout: ColumnLayout,
  rowsKnown: number | null,
): void {
  const chunkRows = chunkRowsFor(8, rowsKnown, layout.maxChunkBytes);
  hdf5.createDataset(file, path, dtype, { rowShape: [] }, chunkRows, { deflate: layout.deflate });
}

function grown(array: Float64Array, capacity: number): Float64Array {
  const out = new Float64Array(capacity);
  out.set(array);
  return out;
}
