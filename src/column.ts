/**
 * A column: the rows of one dataset that `log()` accepted and that are not in the file yet,
 * plus their optional step and time, and how to append them to the file.
 *
 * @module
 */
import { arrayTypeFor, dtypeSize } from "./dtype.js";
import * as hdf5 from "./hdf5.js";
import { STEP_SUFFIX, TIME_SUFFIX, hdf5Path } from "./names.js";
import { type RowBuffer, type RowSpec, encodeRow, rowSize } from "./rows.js";

/** How a column's rows are laid out in the file and in memory. */
export interface ColumnLayout {
  /** Rows per HDF5 chunk. */
  chunkRows: number;
  /** Rows buffered before the column appends them to the file. */
  batchRows: number;
}

/** Which per-row companions a column records. */
export interface Companions {
  step: boolean;
  time: boolean;
}

const INITIAL_ROWS = 64;

/** Keeps the memory of all columns under a bound; a column asks before it grows. */
export interface MemoryBudget {
  /**
   * May `column` take `bytes` more? When not, the budget writes every column's rows out and
   * shrinks their buffers (this one's too) and answers false.
   */
  request(bytes: number): boolean;
}

/** One dataset's pending rows. */
export class Column {
  /** The dataset name as logged (`train/loss`). */
  readonly name: string;
  /** The HDF5 path (`/train/loss`). */
  readonly path: string;
  readonly spec: RowSpec;
  readonly layout: ColumnLayout;
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

  #data: RowBuffer;
  #capacity: number;
  #steps: Float64Array | null;
  #times: Float64Array | null;
  readonly #float64Scalar: boolean;
  readonly #budget: MemoryBudget;

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
    this.companions = companions;
    this.rowElements = rowSize(spec.rowShape);
    this.rowBytes = Math.max(1, this.rowElements * (spec.dtype === "string" ? 16 : dtypeSize(spec.dtype)));
    this.rowsOnDisk = rowsOnDisk;
    this.created = created;
    this.#float64Scalar = spec.dtype === "float64" && spec.rowShape.length === 0;
    this.#budget = budget;
    this.#capacity = Math.min(INITIAL_ROWS, layout.batchRows);
    this.#data = this.#allocate(this.#capacity);
    this.#steps = companions.step ? new Float64Array(this.#capacity) : null;
    this.#times = companions.time ? new Float64Array(this.#capacity) : null;
  }

  /** Bytes one buffered row takes, companions included. */
  get #bytesPerRow(): number {
    return this.rowBytes + (this.#steps ? 8 : 0) + (this.#times ? 8 : 0);
  }

  /** Shrink an empty buffer back to its initial size; returns the bytes freed. */
  release(): number {
    const initial = Math.min(INITIAL_ROWS, this.layout.batchRows);
    if (this.count > 0 || this.#capacity === initial) return 0;
    const freed = (this.#capacity - initial) * this.#bytesPerRow;
    this.#capacity = initial;
    this.#data = this.#allocate(initial);
    if (this.#steps) this.#steps = new Float64Array(initial);
    if (this.#times) this.#times = new Float64Array(initial);
    return freed;
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
    return this.count >= this.layout.batchRows;
  }

  /**
   * Check a value and add it as the next row. Throws when it does not fit; then nothing is added.
   * `step` and `time` are stored when the column records them.
   */
  push(value: unknown, step: number, time: number): void {
    if (this.count === this.#capacity) this.#grow();
    const row = this.count;
    if (this.#float64Scalar && typeof value === "number") {
      (this.#data as Float64Array)[row] = value;
    } else {
      encodeRow(this.name, this.spec, value, this.#data, row * this.rowElements);
    }
    if (this.#steps) this.#steps[row] = step;
    if (this.#times) this.#times[row] = time;
    this.count = row + 1;
  }

  #grow(): void {
    const capacity = Math.min(this.layout.batchRows, this.#capacity * 2);
    if (!this.#budget.request((capacity - this.#capacity) * this.#bytesPerRow)) return;
    const data = this.#allocate(capacity);
    if (Array.isArray(data)) {
      const old = this.#data as string[];
      for (let i = 0; i < old.length; i++) data[i] = old[i] as string;
    } else {
      (data as Float64Array).set(this.#data as Float64Array);
    }
    this.#data = data;
    if (this.#steps) this.#steps = grown(this.#steps, capacity);
    if (this.#times) this.#times = grown(this.#times, capacity);
    this.#capacity = capacity;
  }

  /** Create the dataset (and its companions) in the file if it is not there yet. */
  create(file: hdf5.FileHandle): void {
    if (this.created) return;
    const { dtype, rowShape } = this.spec;
    if (this.companions.step) hdf5.createDataset(file, this.path + STEP_SUFFIX, "int64", { rowShape: [] }, this.layout.chunkRows);
    if (this.companions.time) hdf5.createDataset(file, this.path + TIME_SUFFIX, "float64", { rowShape: [] }, this.layout.chunkRows);
    hdf5.createDataset(file, this.path, dtype, { rowShape }, this.layout.chunkRows);
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
    const data = Array.isArray(this.#data) ? this.#data.slice(0, elements) : this.#data.subarray(0, elements);
    hdf5.appendRows(file, this.path, this.spec.rowShape, start, rows, data);
    this.rowsOnDisk = start + rows;
    this.count = 0;
    if (Array.isArray(this.#data)) this.#data.fill("", 0, elements); // let the strings be collected
  }
}

function grown(array: Float64Array, capacity: number): Float64Array {
  const out = new Float64Array(capacity);
  out.set(array);
  return out;
}
