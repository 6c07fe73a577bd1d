/**
 * Opening a file for writing: create it fresh, or open it for appending after checking that
 * it is HDF5 and that no writer holds it, with errors that say what to do.
 *
 * @module
 */
import fs from "node:fs";
import * as hdf5 from "../hdf5/index.js";
import { FileError, LockedError } from "../model/errors.js";
import { readSuperblock } from "../recovery/superblock.js";

/** Create (or truncate) `filename`, unless another writer holds it. */
export function createFresh(filename: string): hdf5.FileHandle {
  // Truncating a file that another process writes would corrupt it; HDF5 checks this only when appending.
  if (fs.existsSync(filename) && looksLikeHdf5(filename) && writerHolds(filename)) {
    throw new LockedError(
      filename,
      `is open for writing elsewhere, or its writer crashed; if no writer runs, delete it or run \`npx h5logger recover ${filename}\``,
    );
  }
  try {
    return hdf5.createFile(filename);
  } catch (err) {
    throw new FileError(filename, `cannot create the file: ${(err as Error).message}`, { cause: err });
  }
}

/** Open an existing HDF5 file for appending. */
export function openForAppend(filename: string): hdf5.FileHandle {
  if (!looksLikeHdf5(filename)) {
    throw new FileError(filename, "exists and is not an HDF5 file; pass replaceIfExists: true to replace it, or choose another name");
  }
  try {
    return hdf5.openFile(filename, "a");
  } catch (err) {
    const message = (err as Error).message;
    if (/truncated file/i.test(message)) {
      throw new FileError(
        filename,
        `is shorter than HDF5 recorded, as a write that failed for lack of space leaves it; run \`npx h5logger recover ${filename}\`, then open it again`,
        { cause: err },
      );
    }
    if (/already open for write|file locking|consistency flags/i.test(message)) {
      throw new LockedError(
        filename,
        `is open for writing elsewhere, or its writer crashed; if no writer runs, run \`npx h5logger recover ${filename}\``,
      );
    }
    throw new FileError(filename, `cannot be opened for appending: ${message}`, { cause: err });
  }
}

/** Whether a version 3 superblock says a writer has the file open (older versions keep no such flags). */
function writerHolds(filename: string): boolean {
  try {
    const sb = readSuperblock(filename);
    return sb.version >= 3 && (sb.openForWrite || sb.swmrWrite);
  } catch {
    return false; // no superblock we can read: HDF5 will say what is wrong
  }
}

/** HDF5's signature sits at offset 0, 512, 1024, 2048, ... */
function looksLikeHdf5(filename: string): boolean {
  const signature = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
  const fd = fs.openSync(filename, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      fs.readSync(fd, buffer, 0, 8, offset);
      if (buffer.equals(signature)) return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}
