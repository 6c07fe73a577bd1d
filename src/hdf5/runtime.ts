/**
 * The HDF5 runtime: h5wasm loaded once when h5logger is imported (so that `new H5Logger()` can
 * be synchronous), and {@link call}, through which every HDF5 call goes so that a failure
 * becomes a short {@link HDF5Error} and leaves nothing behind in the runtime.
 *
 * HDF5 reports a failure by printing its error stack and returning a negative status. We keep
 * HDF5's own error handler and read what it prints (emscripten.ts), rather than h5wasm's
 * "throwing" handler: an exception thrown from inside HDF5 skips the rest of h5wasm's C++ code,
 * which then never closes the dataset, dataspace and type it opened, and a file whose objects
 * stay open is not really closed by H5Fclose (its "open for write" flags stay set on disk).
 *
 * We call h5wasm's low-level `Module` functions rather than its `Dataset` class: the class
 * reads the dataset's metadata before every write, one more open-by-path per call.
 *
 * @module
 */
import { HDF5Error } from "../model/errors.js";
import { captureStack, captureStderr, checkRuntime } from "./emscripten.js";
import { summariseHdf5Error } from "./errors.js";

type H5Module = Awaited<typeof import("h5wasm/node")["ready"]>;

const { result: Module, stack } = await captureStack(async (): Promise<H5Module> => {
  const { default: h5wasm } = await import("h5wasm/node");
  return h5wasm.ready;
});
checkRuntime(Module.FS);
Module.deactivate_throwing_error_handler();

/** h5wasm's low-level functions. */
const runtime: H5Module = Module;
export { runtime as Module };

/** Run an h5wasm call; what HDF5 printed about a failure becomes an {@link HDF5Error} that says what we were doing. */
export function call<T>(doing: string, fn: () => T): T {
  const pointer = stack.save();
  const printed = captureStderr();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // h5wasm's own checks throw: the exception skipped the C frames' epilogues, so give their stack back.
    stack.restore(pointer);
    const text = printed();
    throw new HDF5Error(`${doing}: ${summariseHdf5Error(text.includes("HDF5-DIAG") ? text : err)}`, { cause: err });
  }
  const text = printed();
  if (text.includes("HDF5-DIAG")) throw new HDF5Error(`${doing}: ${summariseHdf5Error(text)}`);
  return result;
}

/** {@link call} for h5wasm functions that return a negative status instead of throwing. */
export function check(doing: string, fn: () => number | bigint): void {
  const status = call(doing, fn);
  if (status < 0) throw new HDF5Error(doing);
}
