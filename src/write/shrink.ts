/**
 * After a failed write, put every dataset back to the rows it had at the last successful
 * flush, so that the file never shows a row that was not written.
 *
 * Why: to append, HDF5 first grows a dataset, then writes the rows (and writes chunks out
 * later still, when its chunk cache evicts them or on flush). A write that fails in between,
 * on a full disk say, leaves the dataset grown over rows that hold only the fill value: they
 * read back as zeros, and a later clean close would make them look like data.
 *
 * @module
 */

import * as hdf5 from "../hdf5/index.js";
import { STEP_SUFFIX, TIME_SUFFIX } from "../model/names.js";
import type { Column } from "./column.js";

/** The row count of each column at the last successful flush. */
export class FlushedRows {
  readonly #rows = new Map<Column, number>();

  /** `column` starts with `rows` rows that are already in the file. */
  add(column: Column, rows: number): void {
    this.#rows.set(column, rows);
  }

  /** A column that never reached the file. */
  forget(column: Column): void {
    this.#rows.delete(column);
  }

  /** A flush succeeded: every column's rows so far are in the file. */
  record(columns: Iterable<Column>): void {
    for (const column of columns) this.#rows.set(column, column.rowsOnDisk);
  }

  /**
   * Shrink each dataset (and its step and time companions) that grew since the last
   * successful flush back to its size then. Best effort: carries on past a failure, and
   * returns the errors it met (none when every dataset is back).
   */
  shrink(file: hdf5.FileHandle, columns: Iterable<Column>): unknown[] {
    const errors: unknown[] = [];
    for (const column of columns) {
      const rows = this.#rows.get(column) ?? 0;
      const paths = [column.path];
      if (column.companions.step) paths.push(column.path + STEP_SUFFIX);
      if (column.companions.time) paths.push(column.path + TIME_SUFFIX);
      for (const path of paths) {
        try {
          if (hdf5.objectKind(file, path) !== "dataset") continue;
          if ((hdf5.datasetInfo(file, path).shape[0] ?? 0) > rows) hdf5.resizeRows(file, path, rows);
        } catch (err) {
          errors.push(err);
        }
      }
      column.rowsOnDisk = Math.min(column.rowsOnDisk, rows);
    }
    return errors;
  }
}
