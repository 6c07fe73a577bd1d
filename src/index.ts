/**
 * h5logger: stream named numbers and arrays into HDF5 files from Node.js.
 *
 * @example
 * import { H5Logger } from "h5logger";
 * const logger = new H5Logger("run.h5", { replaceIfExists: true });
 * logger.log("loss", 0.25);
 * logger.close();
 * const data = H5Logger.openSync("run.h5");
 * console.log(String(data.get("loss")), data.get("loss").slice());
 * data.close();
 *
 * @module
 */

export type { Dtype, TypedArray } from "./model/dtype.js";
export type { H5LoggerErrorKind } from "./model/errors.js";
export {
  ClosedError,
  FileError,
  H5LoggerError,
  HDF5Error,
  InvalidNameError,
  InvalidOptionError,
  InvalidValueError,
  isH5LoggerError,
  LockedError,
} from "./model/errors.js";
export type { AttributeInput, Compression, DatasetDeclaration, H5LoggerOptions, LogOptions } from "./model/options.js";
export type { ShapedRow } from "./model/rows.js";
export { DatasetView } from "./read/dataset-view.js";
export type { FollowedRows, FollowOptions, NestedArray, OpenOptions, Row, Rows } from "./read/reader.js";
export { H5Reader } from "./read/reader.js";
export type { LockHolder } from "./recovery/lock.js";
export type { RecoveredDataset, RecoveryReport } from "./recovery/recover.js";
export type { RunAggregate } from "./runs/aggregate.js";
export type { RunSummary } from "./runs/folder.js";
export type { RunFollowedRows } from "./runs/follow.js";
export { H5Logger } from "./runs/h5logger.js";
export type { RunWriterOptions } from "./runs/join.js";
export type { RunRecoveryReport, WriterRecovery } from "./runs/recover.js";
export type { RunOpenOptions, RunWriter, WriterSeries } from "./runs/run.js";
export { H5Run } from "./runs/run.js";
