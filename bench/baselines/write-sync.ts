/**
 * Baseline: `fs.writeSync` of the same bytes to a plain file; with `fsync`, `fs.fsyncSync`
 * before closing (the logger's side then fsyncs its file after close(), see arrays.ts).
 *
 * @module
 */
import fs from "node:fs";
import { now } from "../measure.js";

/** Write `rows` times the bytes of `row`; returns milliseconds. */
export function writeSyncRows(file: string, row: ArrayBufferView, rows: number, fsync: boolean): number {
  const t0 = now();
  const fd = fs.openSync(file, "w");
  const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  for (let r = 0; r < rows; r++) {
    bytes[0] = r & 0xff;
    let written = 0;
    while (written < bytes.byteLength) written += fs.writeSync(fd, bytes, written);
  }
  if (fsync) fs.fsyncSync(fd);
  fs.closeSync(fd);
  return now() - t0;
}
