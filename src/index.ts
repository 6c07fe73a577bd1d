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
export { H5Logger } from "./logger.js";
export { H5Reader, DatasetView } from "./reader.js";
export type { Row, Rows, NestedArray, OpenOptions } from "./reader.js";
export type { H5LoggerOptions, LogOptions, DatasetDeclaration, AttributeInput } from "./options.js";
export type { RecoveryReport, RecoveredDataset } from "./recover.js";
export type { LockHolder } from "./lock.js";
export type { Dtype, TypedArray } from "./dtype.js";
export type { ShapedRow } from "./rows.js";
export {
  H5LoggerError,
  InvalidValueError,
  InvalidNameError,
  InvalidOptionError,
  ClosedError,
  FileError,
  HDF5Error,
  LockedError,
  isH5LoggerError,
} from "./errors.js";
export type { H5LoggerErrorKind } from "./errors.js";
