/**
 * Strings as HDF5 holds them in memory: variable-length ones as an array of `char*` into the
 * wasm heap, fixed-length ones as `size` bytes each.
 *
 * @module
 */
import { Module } from "./runtime.js";
import { scratch } from "./scratch.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Copy strings into the wasm heap as HDF5's variable-length strings (wasm32: 4-byte pointers); returns the array's address. */
export function copyVariableLength(data: readonly string[]): number {
  const encoded = data.map((s) => encoder.encode(s));
  const pointerBytes = 4 * encoded.length;
  const total = pointerBytes + encoded.reduce((sum, e) => sum + e.length + 1, 0);
  const base = scratch(total);
  const heap = Module.HEAPU8;
  const pointers = new Uint32Array(encoded.length);
  let cursor = base + pointerBytes;
  encoded.forEach((bytes, i) => {
    pointers[i] = cursor;
    heap.set(bytes, cursor);
    heap[cursor + bytes.length] = 0;
    cursor += bytes.length + 1;
  });
  heap.set(new Uint8Array(pointers.buffer), base);
  return base;
}

/**
 * Strings as fixed-length fields of `size` bytes of UTF-8, NUL-padded. The caller has checked
 * that each fits (model/strings.ts): one that does not would be cut, so this refuses it.
 */
export function encodeFixedLength(data: readonly string[], size: number): Uint8Array {
  const out = new Uint8Array(data.length * size);
  data.forEach((s, i) => {
    const { read, written } = encoder.encodeInto(s, out.subarray(i * size, (i + 1) * size));
    if (read !== s.length) throw new RangeError(`a string of ${written}+ bytes does not fit ${size} bytes (a bug in h5logger)`);
  });
  return out;
}

/**
 * Fixed-length strings, one every `size` bytes, as h5py reads them: a space-padded field first
 * loses its trailing spaces (HDF5's conversion does that), then ends at its first NUL.
 */
export function decodeFixedLength(bytes: Uint8Array, size: number, spacePadded: boolean): string[] {
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    let end = at + size;
    if (spacePadded) while (end > at && bytes[end - 1] === 0x20) end--;
    const field = bytes.subarray(at, end);
    const nul = field.indexOf(0);
    out.push(decoder.decode(nul < 0 ? field : field.subarray(0, nul)));
  }
  return out;
}
