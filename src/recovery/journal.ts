/**
 * A rollback journal, so that a writer killed in the middle of a flush leaves a file that
 * recovery can bring back to its last completed flush.
 *
 * HDF5 updates its metadata in place, in an order of its choosing, and the kernel may cut a
 * large write short when a process is killed: without SWMR's write ordering, a kill during a
 * flush can leave an object header, chunk index or heap half old and half new (RELIABILITY.md
 * has the numbers). So before HDF5 overwrites any byte that existed at the last completed
 * flush, the journal saves the old bytes (in 4 KiB blocks, each at most once per flush, only
 * when the write changes them) to `FILE.journal`. Bytes beyond that length need no saving:
 * recovery cuts the file back to it. After each completed flush the journal is emptied.
 *
 * Every save is one `write` that finishes before HDF5's write starts, so whatever the moment
 * of a kill, the journal holds the old bytes of every block that changed; a save cut short by
 * the kill belongs to a write that never happened, and is ignored. The journal protects against
 * a process that dies; against a power failure it would also need `fsync` before each write.
 *
 * Layout: "h5ljrnl1" (8 bytes), the file's length at the last completed flush (uint64 LE), the
 * number of completed flushes (uint64 LE), then records: offset (uint64 LE), length (uint32
 * LE), the old bytes. The count lets a reader tell whether a copy of the file and the journal
 * it read belong to the same flush (see read/open-policy.ts: snapshots).
 *
 * @module
 */
import fs from "node:fs";
import type { LogFile } from "./location.js";

const MAGIC = Buffer.from("h5ljrnl1", "latin1");
const HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 12;
const BLOCK_BYTES = 4096;

/** The journal of a file being written. */
export class Journal {
  readonly path: string;
  readonly #fd: number;
  /** Length of the journal: where the next record goes. */
  #end = HEADER_BYTES;
  /** Length of the file at the last completed flush: bytes from here on are new. */
  #base = 0;
  /** Blocks saved since the last completed flush. */
  readonly #saved = new Set<number>();
  #generation = 0n;
  #scratch = Buffer.alloc(64 * 1024);

  /** Start the journal of `file`, whose content on disk is now complete and consistent at `length` bytes. */
  constructor(file: LogFile, length: number) {
    this.path = file.journal;
    this.#fd = fs.openSync(this.path, "w");
    this.checkpoint(length);
  }

  /**
   * The file on disk is complete and consistent at `length` bytes (a flush just finished):
   * recovery will come back here. The new length is written before the old records are
   * dropped: a kill in between leaves old records and the new length, and restoring them
   * gives the previous flush's bytes followed by unused space, which is consistent too.
   */
  checkpoint(length: number): void {
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header);
    header.writeBigUInt64LE(BigInt(length), 8);
    header.writeBigUInt64LE(++this.#generation, 16);
    fs.writeSync(this.#fd, header, 0, HEADER_BYTES, 0);
    fs.ftruncateSync(this.#fd, HEADER_BYTES);
    this.#end = HEADER_BYTES;
    this.#base = length;
    this.#saved.clear();
  }

  /** Save the old bytes of every block that `bytes`, about to be written at `position`, changes. */
  beforeWrite(fd: number, position: number, bytes: Uint8Array): void {
    if (position >= this.#base || bytes.length === 0) return;
    const first = Math.floor(position / BLOCK_BYTES);
    const last = Math.floor((Math.min(position + bytes.length, this.#base) - 1) / BLOCK_BYTES);
    const from = first * BLOCK_BYTES;
    const to = Math.min((last + 1) * BLOCK_BYTES, this.#base);
    const old = this.#read(fd, from, to);
    for (let block = first; block <= last; block++) {
      if (this.#saved.has(block)) continue;
      const start = block * BLOCK_BYTES;
      const end = Math.min(start + BLOCK_BYTES, to);
      const writeFrom = Math.max(start, position);
      const writeTo = Math.min(end, position + bytes.length);
      const before = old.subarray(writeFrom - from, writeTo - from);
      if (before.equals(bytes.subarray(writeFrom - position, writeTo - position))) continue;
      this.#save(start, old.subarray(start - from, end - from));
      this.#saved.add(block);
    }
  }

  /** Save what a truncation to `length` would cut off below the last completed flush's length. */
  beforeTruncate(fd: number, length: number): void {
    if (length >= this.#base) return;
    const first = Math.floor(length / BLOCK_BYTES);
    const last = Math.floor((this.#base - 1) / BLOCK_BYTES);
    for (let block = first; block <= last; block++) {
      if (this.#saved.has(block)) continue;
      const start = block * BLOCK_BYTES;
      this.#save(start, this.#read(fd, start, Math.min(start + BLOCK_BYTES, this.#base)));
      this.#saved.add(block);
    }
  }

  /** The file was closed cleanly: the journal is no longer needed. */
  finish(): void {
    fs.closeSync(this.#fd);
    fs.rmSync(this.path, { force: true });
  }

  /** The file could not be closed cleanly: keep the journal for recovery. */
  abandon(): void {
    fs.closeSync(this.#fd);
  }

  #read(fd: number, from: number, to: number): Buffer {
    if (this.#scratch.length < to - from) this.#scratch = Buffer.alloc(to - from);
    const n = fs.readSync(fd, this.#scratch, 0, to - from, from);
    // Bytes past the file's end (it was cut short) read as zeros, as HDF5 would read them.
    this.#scratch.fill(0, n, to - from);
    return this.#scratch.subarray(0, to - from);
  }

  #save(offset: number, old: Uint8Array): void {
    const record = Buffer.alloc(RECORD_HEADER_BYTES + old.length);
    record.writeBigUInt64LE(BigInt(offset), 0);
    record.writeUInt32LE(old.length, 8);
    record.set(old, RECORD_HEADER_BYTES);
    fs.writeSync(this.#fd, record, 0, record.length, this.#end);
    this.#end += record.length;
  }
}

/**
 * How many flushes the writer of `file` has completed, from its journal; `null` when there is
 * no journal (no h5logger writer, or one that closed the file).
 */
export function journalGeneration(file: LogFile): bigint | null {
  let fd: number;
  try {
    fd = fs.openSync(file.journal, "r");
  } catch {
    return null;
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const n = fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    return n === HEADER_BYTES && header.subarray(0, MAGIC.length).equals(MAGIC) ? header.readBigUInt64LE(16) : null;
  } finally {
    fs.closeSync(fd);
  }
}

/** What {@link rollBack} did. */
export interface JournalRollback {
  /** Bytes put back as they were at the last completed flush. */
  restoredBytes: number;
  /** Bytes written after the last completed flush and cut off. */
  cutBytes: number;
}

/**
 * Bring `file` (the log file, or a private copy of it) back to its last completed flush with
 * the journal `journal`, leaving the journal in place. `null` when there is no journal. Only
 * for a file whose writer is gone and never closed it: a journal beside a closed file is stale.
 */
export function rollBack(file: string, journal: string): JournalRollback | null {
  let data: Buffer;
  try {
    data = fs.readFileSync(journal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  // A journal cut short before its header was written: the file was not written after it.
  if (data.length < HEADER_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const base = Number(data.readBigUInt64LE(8));
  const records: { offset: number; bytes: Buffer }[] = [];
  for (let at = HEADER_BYTES; at + RECORD_HEADER_BYTES <= data.length; ) {
    const offset = Number(data.readBigUInt64LE(at));
    const length = data.readUInt32LE(at + 8);
    const end = at + RECORD_HEADER_BYTES + length;
    if (end > data.length) break; // cut short by the kill: its write never happened
    records.push({ offset, bytes: data.subarray(at + RECORD_HEADER_BYTES, end) });
    at = end;
  }
  const fd = fs.openSync(file, "r+");
  try {
    const size = fs.fstatSync(fd).size;
    // Newest first, so that where records overlap the oldest bytes are the ones left.
    for (const { offset, bytes } of records.reverse()) fs.writeSync(fd, bytes, 0, bytes.length, offset);
    fs.ftruncateSync(fd, base);
    fs.fsyncSync(fd);
    return { restoredBytes: records.reduce((n, r) => n + r.bytes.length, 0), cutBytes: Math.max(0, size - base) };
  } finally {
    fs.closeSync(fd);
  }
}
