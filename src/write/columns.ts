/**
 * The schema of a file being written: its columns by every name they were logged under,
 * declarations, the rules that keep names from colliding with each other and with what the
 * file already holds, and what concurrent readers forbid (new datasets, strings).
 *
 * @module
 */
import { writeAttributes } from "../hdf5/attributes.js";
import * as hdf5 from "../hdf5/index.js";
import { InvalidNameError, InvalidValueError } from "../model/errors.js";
import { canonicalName, hdf5Path, STEP_SUFFIX, TIME_SUFFIX } from "../model/names.js";
import { type NormalisedDeclaration, type ResolvedOptions, STRINGS_UNDER_SWMR } from "../model/options.js";
import type { RowSpec } from "../model/rows.js";
import type { MemoryBudget } from "./budget.js";
import { Column, type Companions, createCompanion } from "./column.js";
import { fileRowBytes, withChunkRows } from "./chunks.js";
import { checkAppendable, checkDeclaration, existingCompanions, layoutFor, specFor, storedDtype } from "./plan.js";
import { linkCompanions } from "./scales.js";
import type { FlushedRows } from "./shrink.js";

const SLASH = 0x2f;

/** The columns of one logger. */
export class Columns {
  /** Every column once, in the order they were made. */
  readonly all: Column[] = [];
  /** Columns by every name they were logged under (`loss` and `/loss` alike); log() looks them up here itself. */
  readonly byName = new Map<string, Column>();
  readonly #file: hdf5.FileHandle;
  readonly #options: ResolvedOptions;
  readonly #budget: MemoryBudget;
  readonly #flushed: FlushedRows;
  /** Concurrent readers are on: no dataset can be added. */
  swmr = false;

  constructor(file: hdf5.FileHandle, options: ResolvedOptions, budget: MemoryBudget, flushed: FlushedRows) {
    this.#file = file;
    this.#options = options;
    this.#budget = budget;
    this.#flushed = flushed;
  }

  /** The column logged as `name`, if there is one: the hot path's lookup. */
  get(name: string): Column | undefined {
    return this.byName.get(name);
  }

  /** The column of a name as given to setAttrs (either form of the name). */
  find(name: string): Column | undefined {
    return this.byName.get(name) ?? this.byName.get(canonicalName(name));
  }

  /** The column a first log of `name` with `value` goes to, made if needed. */
  columnFor(name: string, value: unknown, dtype: RowSpec["dtype"] | undefined, withStep: boolean): Column {
    const canonical = canonicalName(name);
    let column = this.byName.get(canonical);
    if (!column) {
      const declared = this.#options.datasets.get(canonical) ?? {};
      const spec = specFor(canonical, value, { ...declared, ...(dtype ? { dtype } : {}) });
      column = this.#newColumn(canonical, (dtype ?? declared.dtype) ? spec : storedDtype(this.#file, canonical, spec), withStep);
    }
    if (name !== canonical) this.byName.set(name, column);
    return column;
  }

  /** Forget a column whose first row was refused: it never reached the file. */
  drop(column: Column): void {
    for (const [key, value] of this.byName) if (value === column) this.byName.delete(key);
    this.all.splice(this.all.indexOf(column), 1);
    this.#budget.add(-column.bufferedBytes);
    this.#flushed.forget(column);
  }

  /**
   * Create what a declaration fixes up front: the dataset when its dtype and row shape are
   * declared; with concurrent readers, also one declared by rank only (growable along every
   * axis until its first row sets the shape), with its companions, which cannot be added later.
   */
  declare(name: string, declaration: NormalisedDeclaration): void {
    const { dtype, rowShape, rowRank } = declaration;
    if (dtype !== undefined && rowShape !== undefined) {
      const maxBytes = declaration.maxBytes === undefined ? {} : { maxBytes: declaration.maxBytes };
      const column = this.#newColumn(name, { dtype, rowShape, ...maxBytes }, false);
      column.create(this.#file);
      if (declaration.attrs) writeAttributes(this.#file, column.path, declaration.attrs);
    } else if (this.#options.concurrentReaders && dtype !== undefined && rowRank !== undefined) {
      this.#checkNoCollision(name);
      if (checkDeclaration(this.#file, name, declaration)) return; // there already, and fit to append to
      const layout = layoutFor({ dtype, rowShape: Array(rowRank).fill(64) }, this.#options, declaration);
      const path = hdf5Path(name);
      const companions = { step: this.#options.steps, time: this.#options.timestamps };
      if (companions.step) createCompanion(this.#file, path + STEP_SUFFIX, "int64", layout, layout.chunkRows);
      if (companions.time) createCompanion(this.#file, path + TIME_SUFFIX, "float64", layout, layout.chunkRows);
      hdf5.createDataset(this.#file, path, dtype, { rowRank }, layout.chunkRows, { deflate: layout.deflate });
      linkCompanions(this.#file, path, companions, rowRank, true);
      if (declaration.attrs) writeAttributes(this.#file, path, declaration.attrs);
    }
  }

  #newColumn(name: string, given: RowSpec, withStep: boolean): Column {
    let spec = given;
    const { nDatasets, concurrentReaders } = this.#options;
    // Checked first: with nDatasets, concurrent readers came on by themselves, and this says why.
    if (nDatasets !== null && this.all.length >= nDatasets) {
      throw new InvalidNameError(name, `would be dataset number ${this.all.length + 1}, but nDatasets is ${nDatasets}`);
    }
    if (this.swmr && hdf5.objectKind(this.#file, hdf5Path(name)) !== "dataset") {
      throw new InvalidNameError(
        name,
        "cannot be added now: concurrent readers are on, and HDF5 cannot create datasets then; declare it in `datasets` or log it before enabling concurrent readers",
      );
    }
    if (spec.dtype === "string" && spec.maxBytes === undefined && (this.swmr || concurrentReaders || nDatasets !== null)) {
      throw new InvalidValueError(name, STRINGS_UNDER_SWMR);
    }
    this.#checkNoCollision(name);
    const path = hdf5Path(name);
    const kind = hdf5.objectKind(this.#file, path);
    let companions: Companions = { step: this.#options.steps || withStep, time: this.#options.timestamps };
    let rowsOnDisk = 0;
    if (kind === "group") throw new InvalidNameError(name, "is a group in this file, not a dataset");
    if (kind === "other") throw new InvalidNameError(name, "names an object in this file that is not a dataset");
    let layout = layoutFor(spec, this.#options, this.#options.datasets.get(name));
    if (kind === "dataset") {
      const existing = checkAppendable(this.#file, name, spec);
      rowsOnDisk = existing.rows;
      companions = existingCompanions(this.#file, name, companions, rowsOnDisk);
      layout = withChunkRows(layout, fileRowBytes(spec), existing.chunkRows);
      if (spec.dtype === "string" && hdf5.datasetInfo(this.#file, path).utf8 === false) spec = { ...spec, ascii: true };
    }
    const column = new Column(name, spec, layout, companions, rowsOnDisk, kind === "dataset", this.#budget);
    // Scales cannot be attached once concurrent readers are on (SWMR forbids new attributes).
    column.linkPending = kind === "dataset" && !this.swmr;
    this.byName.set(name, column);
    this.all.push(column);
    this.#flushed.add(column, rowsOnDisk);
    return column;
  }

  #checkNoCollision(name: string): void {
    // Compared without building `${name}/` strings: with 1,000 names that took 25-140 ms, this ~1 ms.
    for (const other of this.all) {
      const o = other.name;
      if (o.length > name.length && o.charCodeAt(name.length) === SLASH && o.startsWith(name)) {
        throw new InvalidNameError(name, `is a group here (it holds ${o})`);
      }
      if (name.length > o.length && name.charCodeAt(o.length) === SLASH && name.startsWith(o)) {
        throw new InvalidNameError(name, `${o} is a dataset, so it cannot hold ${name}`);
      }
    }
    const blocker = hdf5.firstNonGroup(this.#file, hdf5Path(name));
    if (blocker !== null) throw new InvalidNameError(name, `${blocker} is a dataset in this file, so it cannot hold ${name}`);
  }
}
