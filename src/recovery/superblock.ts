/**
 * The HDF5 superblock, read and written without HDF5: its "File Consistency Flags" (which a
 * killed writer leaves set, as `h5clear -s` clears them) and its end-of-file address (which a
 * flush cut short leaves behind the file's length, or ahead of it, as `h5clear --increment`
 * fixes).
 *
 * The flags:
 * HDF5 sets them when a file is opened for writing and clears them only as the last act of
 * closing it, so a writer killed with `kill -9` leaves them set, and HDF5 >= 1.10 then refuses
 * to open a version 3 superblock file ("file is already open for write (may use <h5clear file> ...)").
 *
 * Layout: HDF5 File Format Specification, "II.A. Disk Format: Level 0A - Format Signature and
 * Superblock" (tables "Layout: Superblock (Versions 0 and 1)" / "(Versions 2 and 3)"). Checksum:
 * the spec's "Jenkins' lookup3", i.e. HDF5's H5_checksum_lookup3 (H5checksum.c) seeded with 0 over
 * all superblock bytes before it (H5F__cache_superblock_serialize, H5Fsuper_cache.c).
 * @module
 */
import * as fs from "node:fs";
import { lookup3 } from "./checksum.js";

export { lookup3 } from "./checksum.js";

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]); // "\x89HDF\r\n\x1a\n"
// Spec bits 0 and 2 (HDF5's H5F_SUPER_WRITE_ACCESS, H5F_SUPER_SWMR_WRITE_ACCESS); bit 1 is reserved.
const WRITE_ACCESS = 0x01;
const SWMR_WRITE_ACCESS = 0x04;

/** What {@link readSuperblock} found. */
export interface SuperblockInfo {
  /** Byte offset of the signature in the file (0, 512, 1024, 2048, ...; non-zero when a user block precedes it). */
  offset: number;
  /** Superblock version: 0 or 1 (legacy), 2 (libver v18), 3 (libver v110+, needed for SWMR). */
  version: number;
  /** "Size of Offsets": bytes per file address. */
  sizeOfOffsets: number;
  /** "Size of Lengths": bytes per length field. */
  sizeOfLengths: number;
  /** Raw File Consistency Flags (1 byte in v2/3; the 4-byte field of v0/1, which HDF5 1.10 ignores). */
  flags: number;
  /** Bit 0 is set: a writer opened the file and never closed it (or is still running). */
  openForWrite: boolean;
  /** Bit 2 is set: the same, for a SWMR writer. */
  swmrWrite: boolean;
  /** Stored "End of File Address": absolute (includes any user block); the file size after a clean close. */
  endOfFileAddress: bigint;
  /** Whether the stored checksum matched (always true when returned); null for v0/1, which have no checksum. */
  checksumOk: boolean | null;
}

/** Little-endian unsigned integer of any width (addresses may be 2..32 bytes per the spec). */
function readUint(buf: Buffer, pos: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i]);
  return v;
}

/** Where the flags and checksum live, so the writer patches exactly what the reader verified. */
interface Parsed {
  info: SuperblockInfo;
  raw: Buffer;
  flagsPos: number;
  flagsLen: number;
  sumPos: number | null;
}

/** Where HDF5's signature is: byte 0, 512, then each power of two (as H5FD_locate_signature searches); -1 when nowhere. */
function signatureOffset(fd: number, size: number): number {
  const buffer = Buffer.alloc(8);
  for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
    if (fs.readSync(fd, buffer, 0, 8, at) === 8 && buffer.equals(SIGNATURE)) return at;
  }
  return -1;
}

/** Whether a file's bytes are HDF5 (its signature is where HDF5 looks for it). */
export function isHdf5(path: string): boolean {
  const fd = fs.openSync(path, "r");
  try {
    return signatureOffset(fd, fs.fstatSync(fd).size) >= 0;
  } finally {
    fs.closeSync(fd);
  }
}

/** Versions 2 and 3 end with a lookup3 checksum of the bytes before it; a mismatch means a corrupt file. */
function verifyChecksum(raw: Buffer, path: string): true {
  const stored = raw.readUInt32LE(raw.length - 4);
  const computed = lookup3(raw.subarray(0, raw.length - 4));
  if (stored !== computed) {
    throw new Error(
      `${path}: HDF5 superblock checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}); file is corrupt`,
    );
  }
  return true;
}

function parse(fd: number, path: string): Parsed {
  const size = fs.fstatSync(fd).size;
  const read = (pos: number, len: number) => {
    const buf = Buffer.alloc(len);
    const n = fs.readSync(fd, buf, 0, len, pos);
    if (n < len) throw new Error(`${path}: truncated HDF5 superblock (need ${len} bytes at offset ${pos}, only ${n} present)`);
    return buf;
  };
  const offset = signatureOffset(fd, size);
  if (offset < 0) throw new Error(`${path}: not an HDF5 file (no format signature at offset 0, 512, 1024, ...)`);
  const version = read(offset + 8, 1)[0];
  if (version > 3) throw new Error(`${path}: unsupported HDF5 superblock version ${version}`);
  // v0/1: sizes are bytes 13/14, flags a 4-byte field at 20, then (v1 only) 4 more bytes before the addresses.
  // v2/3: sizes are bytes 9/10, flags byte 11, four addresses, then the checksum.
  const legacy = version < 2;
  const head = read(offset, legacy ? 24 : 12);
  const sizeOfOffsets = head[legacy ? 13 : 9];
  const sizeOfLengths = head[legacy ? 14 : 10];
  if (![2, 4, 8, 16, 32].includes(sizeOfOffsets) || ![2, 4, 8, 16, 32].includes(sizeOfLengths)) {
    throw new Error(`${path}: corrupt HDF5 superblock (size of offsets ${sizeOfOffsets}, size of lengths ${sizeOfLengths})`);
  }
  const O = sizeOfOffsets;
  const addrStart = legacy ? (version === 1 ? 28 : 24) : 12;
  const end = addrStart + 4 * O + (legacy ? 0 : 4); // v0/1: base, free-space, EOF, driver (root entry not needed)
  const raw = read(offset, end);
  const flags = legacy ? raw.readUInt32LE(20) : raw[11];
  const checksumOk = legacy ? null : verifyChecksum(raw, path);
  const info: SuperblockInfo = {
    offset,
    version,
    sizeOfOffsets,
    sizeOfLengths,
    flags,
    openForWrite: (flags & WRITE_ACCESS) !== 0,
    swmrWrite: (flags & SWMR_WRITE_ACCESS) !== 0,
    endOfFileAddress: readUint(raw, addrStart + 2 * O, O),
    checksumOk,
  };
  return { info, raw, flagsPos: legacy ? 20 : 11, flagsLen: legacy ? 4 : 1, sumPos: legacy ? null : end - 4 };
}

/** Whether the superblock says a writer has the file open (only version 3 keeps flags HDF5 checks). */
export function writerFlagged(sb: SuperblockInfo): boolean {
  return sb.version >= 3 && (sb.openForWrite || sb.swmrWrite);
}

/**
 * Locate and decode the superblock of an HDF5 file, verifying its checksum (v2/3).
 * @param path - the HDF5 file
 * @throws Error naming the file when it is not HDF5, is truncated, or its superblock checksum is wrong
 */
export function readSuperblock(path: string): SuperblockInfo {
  const fd = fs.openSync(path, "r");
  try {
    return parse(fd, path).info;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Clear all File Consistency Flags, as `h5clear -s` does (HDF5 sets `status_flags = 0` when its
 * private "clear_status_flags" file-access property is set), so a file left behind by a killed
 * writer opens again. Only the flags and (v2/3) the checksum are rewritten, in place, then fsync'd.
 * Call only when no writer still has the file open: the flags are HDF5's only guard against that.
 * @param path - the HDF5 file
 * @returns `changed: false` (file untouched) when the flags were already 0; `before` is the state read
 * @throws Error naming the file when it is not HDF5, truncated, or has a bad superblock checksum
 * (nothing is written: we never rewrite a superblock we cannot verify)
 */
export function clearConsistencyFlags(path: string): { changed: boolean; before: SuperblockInfo } {
  const fd = fs.openSync(path, "r+");
  try {
    const { info, raw, flagsPos, flagsLen, sumPos } = parse(fd, path);
    if (info.flags === 0) return { changed: false, before: info };
    raw.fill(0, flagsPos, flagsPos + flagsLen);
    const from = flagsPos;
    let to = flagsPos + flagsLen;
    if (sumPos !== null) {
      raw.writeUInt32LE(lookup3(raw.subarray(0, sumPos)), sumPos);
      // One write spanning flags..checksum (the addresses between are rewritten unchanged): the
      // superblock sits in a single sector, so a crash cannot leave new flags with an old checksum.
      to = sumPos + 4;
    }
    const n = fs.writeSync(fd, raw, from, to - from, info.offset + from);
    if (n !== to - from) throw new Error(`${path}: short write while clearing superblock flags (${n} of ${to - from} bytes)`);
    fs.fsyncSync(fd);
    return { changed: true, before: info };
  } finally {
    fs.closeSync(fd);
  }
}

/** What {@link matchEndOfFile} changed. */
export interface EndOfFileMatch {
  /** Bytes of zeros appended to reach the recorded end-of-file address. */
  zeroFilled: number;
  /** Bytes by which the recorded end-of-file address was raised to the file's length. */
  addressRaised: number;
}

/**
 * Make the file's length and its recorded end-of-file address agree, so that HDF5 opens it.
 * HDF5 writes the superblock as the last act of a flush: a writer killed during one can leave
 * metadata past the recorded address ("addr overflow"), which raising it to the length fixes;
 * a write that failed for lack of space leaves the file short ("truncated file"), which zeros
 * fill. Both are safe for h5logger's files: their metadata is checksummed, so HDF5 refuses a
 * damaged object rather than misreading it.
 */
export function matchEndOfFile(file: string): EndOfFileMatch {
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
