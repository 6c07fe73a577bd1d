/**
 * h5logger's errors: one base class with a literal `kind` tag, so callers can branch with
 * {@link isH5LoggerError} instead of parsing messages.
 *
 * @module
 */

/** The kinds of error h5logger raises. */
export type H5LoggerErrorKind = "InvalidValue" | "InvalidName" | "InvalidOption" | "Closed" | "File" | "HDF5" | "Locked";

/** Base class of every error h5logger raises on purpose. */
export class H5LoggerError extends Error {
  /** Which kind of problem this is. */
  readonly kind: H5LoggerErrorKind;
  constructor(kind: H5LoggerErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = `H5Logger${kind}Error`;
  }
}

/** A logged value that cannot be stored in its dataset: wrong type, shape, range; nothing was written. */
export class InvalidValueError extends H5LoggerError {
  /** The dataset the value was for. */
  readonly dataset: string;
  constructor(dataset: string, problem: string) {
    super("InvalidValue", `${dataset}: ${problem}`);
    this.dataset = dataset;
  }
}

/** A dataset name that cannot be used: empty, `.`/`..` segments, or colliding with a group or dataset. */
export class InvalidNameError extends H5LoggerError {
  /** The name as given. */
  readonly dataset: string;
  constructor(dataset: string, problem: string) {
    super("InvalidName", `dataset name ${JSON.stringify(dataset)}: ${problem}`);
    this.dataset = dataset;
  }
}

/** An option that is unknown or out of range. */
export class InvalidOptionError extends H5LoggerError {
  constructor(message: string) {
    super("InvalidOption", message);
  }
}

/** A call on a logger or reader after `close()`. */
export class ClosedError extends H5LoggerError {
  constructor(what: string) {
    super("Closed", `${what} is closed`);
  }
}

/** A file that cannot be created, opened or appended to. */
export class FileError extends H5LoggerError {
  /** The file concerned. */
  readonly path: string;
  /**
   * The file cannot be read at this instant but may be soon: it does not exist yet, a writer is
   * creating it, flushing it, or holds it without concurrent readers. Trying again may work.
   */
  readonly transient: boolean;
  constructor(path: string, problem: string, options?: ErrorOptions & { transient?: boolean }) {
    super("File", `${path}: ${problem}`, options);
    this.path = path;
    this.transient = options?.transient ?? false;
  }
}

/** An error reported by the HDF5 library, shortened to its most specific line. */
export class HDF5Error extends H5LoggerError {
  constructor(message: string, options?: ErrorOptions) {
    super("HDF5", message, options);
  }
}

/** A file that another writer holds. */
export class LockedError extends H5LoggerError {
  /** The file concerned. */
  readonly path: string;
  constructor(path: string, problem: string) {
    super("Locked", `${path}: ${problem}`);
    this.path = path;
  }
}

/**
 * Whether `err` is an h5logger error, optionally of one kind.
 *
 * @example
 * try { logger.log("x", "text") } catch (err) { if (isH5LoggerError(err, "InvalidValue")) ... }
 */
export function isH5LoggerError(err: unknown, kind?: H5LoggerErrorKind): err is H5LoggerError {
  return err instanceof H5LoggerError && (kind === undefined || err.kind === kind);
}
