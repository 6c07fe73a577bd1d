/**
 * Tests for src/superblock.ts against independent oracles: published lookup3 vectors,
 * h5py/HDF5 1.10 (writer killed with SIGKILL, then reader), and the hdf5-tools `h5clear -s`
 * and `h5dump -H`. Interop tests skip visibly when a tool is missing, and fail instead
 * when H5LOGGER_REQUIRE_INTEROP=1.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type TestContext, test } from "node:test";
import { clearConsistencyFlags, lookup3, readSuperblock } from "../src/recovery/superblock.js";
import { have, tempDir as makeTempDir, PYTHON } from "./helpers/interop.js";
import { pythonFixture } from "./helpers/paths.js";

const FIXTURE = pythonFixture("make_crashed_file");
const tempDir = (t: TestContext) => makeTempDir(t, "h5logger-superblock-");
/** Run the Python fixture; unless --clean, it must die of SIGKILL after flushing `rows` rows. */
function makeFile(file: string, ...args: string[]): number {
  const r = spawnSync(PYTHON, [FIXTURE, file, ...args], { encoding: "utf8" });
  if (args.includes("--clean")) assert.equal(r.status, 0, r.stderr);
  else assert.equal(r.signal, "SIGKILL", `fixture should kill itself: status ${r.status}, stderr ${r.stderr}`);
  return JSON.parse(r.stdout.trim()).rows as number;
}

/** Read dataset "rows" with h5py (a fresh process, HDF5's own open-time flag checks apply). */
function h5pyRead(file: string) {
  const code = "import sys, json, h5py\nwith h5py.File(sys.argv[1], 'r') as f: print(json.dumps(f['rows'][()].tolist()))";
  const r = spawnSync(PYTHON, ["-c", code, file], { encoding: "utf8" });
  return { ok: r.status === 0, rows: r.status === 0 ? (JSON.parse(r.stdout) as number[][]) : null, stderr: r.stderr };
}

const expectedRows = (n: number) => Array.from({ length: n }, (_, i) => [i, 2 * i, 3 * i]);
/** Byte length of a v2/3 superblock including its checksum (v0/1: through the driver-info address). */
const superblockEnd = (sb: { version: number; sizeOfOffsets: number }) =>
  sb.version >= 2 ? 12 + 4 * sb.sizeOfOffsets + 4 : (sb.version === 1 ? 28 : 24) + 4 * sb.sizeOfOffsets;

/** A synthetic v3 superblock (O = L = 8) with a correct checksum, optionally after a user block. */
function syntheticV3(flags: number, userblock = 0): Buffer {
  const sb = Buffer.alloc(48);
  Buffer.from("\x89HDF\r\n\x1a\n", "latin1").copy(sb, 0);
  sb[8] = 3;
  sb[9] = 8;
  sb[10] = 8;
  sb[11] = flags;
  sb.writeBigUInt64LE(0n, 12); // base address
  sb.writeBigUInt64LE(0xffffffffffffffffn, 20); // no superblock extension (undefined address)
  sb.writeBigUInt64LE(4096n, 28); // end of file address
  sb.writeBigUInt64LE(48n, 36); // root group object header
  sb.writeUInt32LE(lookup3(sb.subarray(0, 44)), 44);
  return Buffer.concat([Buffer.alloc(userblock, 0x55), sb, Buffer.alloc(4096 - 48)]);
}

test("lookup3 matches published vectors (lookup3.c driver5, HDF5 test/tchecksum.c)", () => {
  const ascii = (s: string) => new TextEncoder().encode(s);
  // Bob Jenkins' lookup3.c driver5(): hashlittle(key, len, initval).
  assert.equal(lookup3(ascii(""), 0), 0xdeadbeef);
  assert.equal(lookup3(ascii(""), 0xdeadbeef), 0xbd5b7dde);
  assert.equal(lookup3(ascii("Four score and seven years ago"), 0), 0x17770551);
  assert.equal(lookup3(ascii("Four score and seven years ago"), 1), 0xcd628161);
  assert.equal(lookup3(ascii("Four score and seven years ago")), 0x17770551, "initval defaults to 0");
  // HDF5 test/tchecksum.c: H5_checksum_lookup3(buf, len, 0).
  const cases: [number[], number][] = [
    [[23], 0xa209c931],
    [[0], 0x8ba9414b],
    [[23, 187], 0x8ba7a6c9],
    [[0, 0], 0x62cd61b3],
    [[23, 187, 98], 0xcebdf4f0],
    [[0, 0, 0], 0x6bd0060f],
    [[23, 187, 98, 217], 0x2c88bb51],
    [[0, 0, 0, 0], 0x049396b8],
  ];
  for (const [bytes, want] of cases) assert.equal(lookup3(Uint8Array.from(bytes)), want, `bytes ${bytes}`);
  const large = Uint8Array.from({ length: 3093 }, (_, u) => (u * 3) & 0xff);
  assert.equal(lookup3(large), 0x1bd2ee7b);
  assert.equal(lookup3(new Uint8Array(3093)), 0x930c7afc);
});

for (const mode of [
  { name: "libver=latest", args: [] as string[], flags: 0x01 },
  { name: "SWMR write", args: ["--swmr"], flags: 0x05 },
  { name: "user block of 1024 bytes", args: ["--userblock", "1024"], flags: 0x01, offset: 1024 },
]) {
  test(`writer killed with SIGKILL (${mode.name}): flags detected, cleared, data readable`, (t) => {
    if (!have(t, "h5py", "h5dump")) return;
    const file = path.join(tempDir(t), "crashed.h5");
    const rows = makeFile(file, ...mode.args);

    const sb = readSuperblock(file);
    assert.equal(sb.version, 3);
    assert.equal(sb.offset, mode.offset ?? 0);
    assert.equal(sb.flags, mode.flags);
    assert.equal(sb.openForWrite, true);
    assert.equal(sb.swmrWrite, mode.flags === 0x05);
    assert.equal(sb.checksumOk, true);
    const refused = h5pyRead(file);
    assert.equal(refused.ok, false, "HDF5 should refuse a file whose writer never closed it");
    assert.match(refused.stderr, /already open for write/);

    const before = fs.readFileSync(file);
    const res = clearConsistencyFlags(file);
    assert.equal(res.changed, true);
    assert.deepEqual(res.before, sb);
    const after = fs.readFileSync(file);
    assert.equal(after.length, before.length);
    // Only bytes between the flags byte and the end of the checksum may differ.
    for (let i = 0; i < before.length; i++) {
      if (before[i] !== after[i]) assert.ok(i >= sb.offset + 11 && i < sb.offset + superblockEnd(sb), `byte ${i} changed`);
    }
    assert.equal(after[sb.offset + 11], 0);
    assert.deepEqual(readSuperblock(file), { ...sb, flags: 0, openForWrite: false, swmrWrite: false });

    const read = h5pyRead(file);
    assert.ok(read.ok, read.stderr);
    assert.deepEqual(read.rows, expectedRows(rows));
    const dump = spawnSync("h5dump", ["-H", file], { encoding: "utf8" });
    assert.equal(dump.status, 0, dump.stderr);

    assert.equal(clearConsistencyFlags(file).changed, false, "second run is a no-op");
    assert.ok(fs.readFileSync(file).equals(after));
  });

  test(`clearConsistencyFlags writes the same superblock bytes as h5clear -s (${mode.name})`, (t) => {
    if (!have(t, "h5py", "h5clear")) return;
    const dir = tempDir(t);
    const ours = path.join(dir, "ours.h5");
    const theirs = path.join(dir, "theirs.h5");
    makeFile(ours, ...mode.args);
    fs.copyFileSync(ours, theirs);
    const h5clear = spawnSync("h5clear", ["-s", theirs], { encoding: "utf8" });
    assert.equal(h5clear.status, 0, h5clear.stderr);
    const { before } = clearConsistencyFlags(ours);
    const region = [before.offset, before.offset + superblockEnd(before)] as const;
    assert.deepEqual(fs.readFileSync(ours).subarray(...region), fs.readFileSync(theirs).subarray(...region));
  });
}

test("version 0 superblock (libver=earliest): 4-byte flags reported and cleared like h5clear -s", (t) => {
  if (!have(t, "h5py", "h5clear")) return;
  const dir = tempDir(t);
  const ours = path.join(dir, "ours.h5");
  const theirs = path.join(dir, "theirs.h5");
  const rows = makeFile(ours, "--libver", "earliest");
  const sb = readSuperblock(ours);
  assert.equal(sb.version, 0);
  assert.equal(sb.flags, 0x01, "HDF5 1.10 still sets the write bit in a v0 superblock");
  assert.equal(sb.checksumOk, null);
  // HDF5 >= 1.10 only enforces the flags for superblock version 3, so this opens anyway.
  assert.deepEqual(h5pyRead(ours).rows, expectedRows(rows));
  fs.copyFileSync(ours, theirs);
  assert.equal(spawnSync("h5clear", ["-s", theirs]).status, 0);
  assert.equal(clearConsistencyFlags(ours).changed, true);
  assert.equal(readSuperblock(ours).flags, 0);
  const region = [0, superblockEnd(sb)] as const;
  assert.deepEqual(fs.readFileSync(ours).subarray(...region), fs.readFileSync(theirs).subarray(...region));
});

test("cleanly closed h5py file: changed=false, file untouched", (t) => {
  if (!have(t, "h5py")) return;
  const file = path.join(tempDir(t), "clean.h5");
  makeFile(file, "--clean");
  const bytes = fs.readFileSync(file);
  const res = clearConsistencyFlags(file);
  assert.equal(res.changed, false);
  assert.equal(res.before.flags, 0);
  assert.equal(res.before.openForWrite, false);
  assert.ok(fs.readFileSync(file).equals(bytes));
});

test("synthetic superblocks: signature search, clear, and no-op on flags 0 (no interop needed)", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "synthetic.h5");
  fs.writeFileSync(file, syntheticV3(0x05, 512));
  const sb = readSuperblock(file);
  assert.deepEqual(sb, {
    offset: 512,
    version: 3,
    sizeOfOffsets: 8,
    sizeOfLengths: 8,
    flags: 5,
    openForWrite: true,
    swmrWrite: true,
    endOfFileAddress: 4096n,
    checksumOk: true,
  });
  assert.equal(clearConsistencyFlags(file).changed, true);
  assert.ok(fs.readFileSync(file).equals(syntheticV3(0, 512)), "result equals a superblock written with flags 0");

  const clean = path.join(dir, "clean.h5");
  fs.writeFileSync(clean, syntheticV3(0));
  const bytes = fs.readFileSync(clean);
  assert.equal(clearConsistencyFlags(clean).changed, false);
  assert.ok(fs.readFileSync(clean).equals(bytes));
});

/** Assert that both functions throw an Error naming the file and matching `re`, and that the file is unchanged. */
function assertRefused(file: string, re: RegExp) {
  const bytes = fs.readFileSync(file);
  for (const fn of [readSuperblock, clearConsistencyFlags]) {
    assert.throws(
      () => fn(file),
      (e: unknown) => e instanceof Error && e.message.includes(file) && re.test(e.message),
    );
  }
  assert.ok(fs.readFileSync(file).equals(bytes), "file must be unchanged");
}

test("not HDF5, truncated, and bad-checksum files are refused and left unchanged", (t) => {
  const dir = tempDir(t);
  const text = path.join(dir, "notes.txt");
  fs.writeFileSync(text, "just some text, not HDF5\n".repeat(200));
  assertRefused(text, /not an HDF5 file/);
  const empty = path.join(dir, "empty.h5");
  fs.writeFileSync(empty, "");
  assertRefused(empty, /not an HDF5 file/);

  const truncated = path.join(dir, "truncated.h5");
  fs.writeFileSync(truncated, syntheticV3(1).subarray(0, 30));
  assertRefused(truncated, /truncated/);

  const corrupt = path.join(dir, "corrupt.h5");
  const bad = syntheticV3(1);
  bad[28] ^= 0x01; // flip a bit of the End of File Address
  fs.writeFileSync(corrupt, bad);
  assertRefused(corrupt, /checksum mismatch/);
});

test("a real crashed file with a corrupted EOF address is refused and left unchanged", (t) => {
  if (!have(t, "h5py")) return;
  const file = path.join(tempDir(t), "corrupt.h5");
  makeFile(file);
  const { sizeOfOffsets } = readSuperblock(file);
  const bytes = fs.readFileSync(file);
  bytes[12 + 2 * sizeOfOffsets] ^= 0x40; // End of File Address is the 3rd address after byte 12
  fs.writeFileSync(file, bytes);
  assertRefused(file, /checksum mismatch/);
});
