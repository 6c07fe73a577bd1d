/**
 * One scratch allocation in the wasm heap, reused across writes to avoid malloc/free per flush.
 *
 * @module
 */
import { HDF5Error } from "../model/errors.js";
import { Module } from "./runtime.js";

let pointer = 0;
let size = 0;

/** A pointer to at least `bytes` bytes of wasm memory, valid until the next call. */
export function scratch(bytes: number): number {
  if (bytes > size) {
    if (pointer) Module._free(pointer);
    size = Math.max(bytes, size * 2, 1 << 16);
    pointer = Module._malloc(size);
    if (!pointer) {
      size = 0;
      throw new HDF5Error(`out of WebAssembly memory allocating ${bytes} bytes`);
    }
  }
  return pointer;
}
