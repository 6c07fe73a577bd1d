/**
 * Make a crashed file's length and its superblock's "End of File Address" agree again, as
 * `h5clear --increment` does, so that HDF5 opens it.
 *
 * HDF5 writes the superblock, with the end-of-file address, as the last act of a flush. A
 * writer killed in the middle of a flush can leave metadata on disk that points past the
 * recorded address (HDF5 then says "addr overflow"): the address is raised to the file's
 * length. The opposite, a file shorter than the recorded address, is what a write that failed
 * for lack of space (or a file size limit) leaves (HDF5 says "truncated file"): zeros fill the
 * gap. Both are safe for h5logger's files: their metadata is checksummed, so HDF5 refuses a
 * damaged object rather than misreading it, and a failed write is rolled back.
 *
 * Superblock layout: HDF5 File Format Specification, "Superblock (Versions 2 and 3)": the
 * end-of-file address is the third address after byte 12, the checksum (Jenkins' lookup3 of
 * everything before it) follows the fourth; versions 0 and 1 keep it at byte 24 + 2 × offsets
 * size (28 + ... for version 1) and have no checksum.
 *
 * @module
 */
import fs from "node:fs";
import { lookup3, readSuperblock } from "./superblock.js";

/** What {@link matchEndOfFile} changed. */
export interface EndOfFileRepair {
  /** Bytes of zeros appended to reach the recorded end-of-file address. */
  zeroFilled: number;
  /** Bytes by which the recorded end-of-file address was raised to the file's length. */
  addressRaised: number;
}

/** Make the file's length and its recorded end-of-file address agree; returns what was done. */
export function matchEndOfFile(file: string): EndOfFileRepair {
  const sb = readSuperblock(file);
  const recorded = Number(sb.endOfFileAddress);
  const size = fs.statSync(file).size;
  if (recorded > size) {
    fs.truncateSync(file, recorded);
    return { zeroFilled: recorded - size, addressRaised: 0 };
  }
  if (recorded < size) {
    writeEndOfFileAddress(file, sb, BigInt(size));
    return { zeroFilled: 0, addressRaised: size - recorded };
  }
  return { zeroFilled: 0, addressRaised: 0 };
}

/** Whether the file is shorter than its recorded end-of-file address (HDF5 refuses it as truncated). */
export function shortOfEnd(file: string): boolean {
  try {
    return readSuperblock(file).endOfFileAddress > BigInt(fs.statSync(file).size);
  } catch {
    return false; // not a superblock we can read: opening the file says what is wrong
  }
}

function writeEndOfFileAddress(file: string, sb: ReturnType<typeof readSuperblock>, address: bigint): void {
  const O = sb.sizeOfOffsets;
  const legacy = sb.version < 2;
  const addresses = legacy ? (sb.version === 1 ? 28 : 24) : 12;
  const end = addresses + 4 * O; // v2/3: the checksum starts here
  const fd = fs.openSync(file, "r+");
  try {
    const raw = Buffer.alloc(end + (legacy ? 0 : 4));
    fs.readSync(fd, raw, 0, raw.length, sb.offset);
    let value = address;
    for (let i = 0; i < O; i++) {
      raw[addresses + 2 * O + i] = Number(value & 0xffn);
      value >>= 8n;
    }
    if (!legacy) raw.writeUInt32LE(lookup3(raw.subarray(0, end)), end);
    // One write from the address through the checksum: both change together or not at all.
    const from = addresses + 2 * O;
    fs.writeSync(fd, raw, from, raw.length - from, sb.offset + from);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
