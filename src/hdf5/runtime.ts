/**
 * The HDF5 runtime: h5wasm loaded once when h5logger is imported (so that `new H5Logger()` can
 * be synchronous), and {@link call}, through which every HDF5 call goes so that a failure
 * becomes a short {@link HDF5Error} and leaves nothing behind in the runtime.
 *
 * We call h5wasm's low-level `Module` functions rather than its `Dataset` class: the class
 * reads the dataset's metadata before every write, one more open-by-path per call.
 *
 * @module
 */
import { HDF5Error } from "../model/errors.js";
import { captureStack, checkRuntime, closeErrorTempFiles } from "./emscripten.js";
import { summariseHdf5Error } from "./errors.js";

type H5Module = Awaited<typeof import("h5wasm/node")["ready"]>;

const { result: Module, stack } = await captureStack(async (): Promise<H5Module> => {
  const { default: h5wasm } = await import("h5wasm/node");
  return h5wasm.ready;
});
checkRuntime(Module.FS);
// Turn HDF5's stderr dumps into JavaScript exceptions we can rephrase.
Module.activate_throwing_error_handler();

/** h5wasm's low-level functions. */
const runtime: H5Module = Module;
export { runtime as Module };

/** Run an h5wasm call, turning its exceptions into an {@link HDF5Error} that says what we were doing. */
export function call<T>(doing: string, fn: () => T): T {
  const pointer = stack.save();
  try {
    return fn();
  } catch (err) {
    // The exception skipped the C frames' epilogues: give their stack back, and close the
    // temporary file h5wasm opened to format the message.
    stack.restore(pointer);
    closeErrorTempFiles();
    throw new HDF5Error(`${doing}: ${summariseHdf5Error(err)}`, { cause: err });
  }
}

/** {@link call} for h5wasm functions that return a negative status instead of throwing. */
export function check(doing: string, fn: () => number | bigint): void {
  const status = call(doing, fn);
  if (status < 0) throw new HDF5Error(doing);
}
