/** Asserting that a call is refused with the right kind of h5logger error and a message that says what is wrong. */
import assert from "node:assert/strict";
import {
  ClosedError,
  FileError,
  type H5LoggerError,
  type H5LoggerErrorKind,
  HDF5Error,
  InvalidNameError,
  InvalidOptionError,
  InvalidValueError,
  isH5LoggerError,
  LockedError,
} from "../../src/index.js";

/** The class of each kind of error. */
const ERROR_CLASSES: Record<H5LoggerErrorKind, abstract new (...args: never[]) => H5LoggerError> = {
  InvalidValue: InvalidValueError,
  InvalidName: InvalidNameError,
  InvalidOption: InvalidOptionError,
  Closed: ClosedError,
  File: FileError,
  HDF5: HDF5Error,
  Locked: LockedError,
};

/** `fn` throws an error of `kind` whose message mentions `mentions` (a dataset or file) and matches `problem`. */
export function refuses(fn: () => unknown, kind: H5LoggerErrorKind, mentions: string, problem: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isH5LoggerError(err, kind), `expected a ${kind} error, got ${err}`);
    assert.ok(err instanceof ERROR_CLASSES[kind], `expected an instance of ${ERROR_CLASSES[kind].name}`);
    assert.equal(err.name, `H5Logger${kind}Error`);
    assert.ok(err.message.includes(mentions), `message does not mention ${JSON.stringify(mentions)}: ${err.message}`);
    assert.match(err.message, problem);
    return true;
  });
}
