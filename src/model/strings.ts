/**
 * Fixed-length strings: a string dataset declared with `maxBytes` stores each string in that
 * many bytes of UTF-8. What fits is checked here, when the string is logged, so that one that
 * does not is refused rather than cut. Pure: no HDF5 here.
 *
 * @module
 */

/** Bytes of a string's UTF-8 form. */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

/** Why a (valid Unicode) string does not fit a field of `maxBytes` bytes, or null when it does. */
export function fixedLengthProblem(value: string, maxBytes: number): string | null {
  const bytes = utf8Length(value);
  if (bytes > maxBytes)
    return `got a string of ${bytes} bytes in UTF-8; this dataset holds strings of at most ${maxBytes} bytes (maxBytes)`;
  // HDF5 calls the strings h5wasm writes space-padded: readers drop the trailing spaces of a full field.
  if (bytes === maxBytes && value.endsWith(" "))
    return `got a string of exactly ${maxBytes} bytes that ends in a space, which HDF5's space-padded strings would drop; keep it under ${maxBytes} bytes`;
  return null;
}
