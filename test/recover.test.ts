/**
 * Recovery of crashed files (src/recover.ts, src/crashed.ts): H5Logger.recover, what a new
 * writer does on a crashed file, and readers that read one without modifying it.
 *
 * A crashed file is made here without killing anything: a copy of a file taken while its
 * logger has it open is byte for byte what a `kill -9` right then would leave (flags set,
 * every flushed row in it), and a lock file naming a dead pid is what the writer's lock would
 * be. test/crash.test.ts does the same with real kills.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import * as hdf5 from "../src/hdf5/index.js";
import { FileError, H5Logger, LockedError } from "../src/index.js";
import { lookup3, readSuperblock } from "../src/recovery/superblock.js";
import { h5pyValues, have, PYTHON, sha256, tempDir } from "./helpers/interop.js";
import { pythonFixture } from "./helpers/paths.js";

const MAKE_CRASHED = pythonFixture("make_crashed_file");

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

/**
 * A file as a writer killed right after flushing `rows` rows of `x` (and 2 more unflushed)
 * leaves it; with `lock`, also the lock file naming its (dead) process.
 */
function crashed(t: TestContext, options: { rows?: number; lock?: boolean; swmr?: boolean } = {}): { file: string; pid: number } {
  const dir = tempDir(t);
  const live = path.join(dir, "live.h5");
  const file = path.join(dir, "crashed.h5");
  const logger = new H5Logger(live, options.swmr ? { concurrentReaders: true, datasets: { x: { dtype: "float64", shape: [] } } } : {});
  for (let i = 0; i < (options.rows ?? 10); i++) logger.log("x", i);
  logger.flush();
  logger.log("x", -1);
  logger.log("x", -2);
  fs.copyFileSync(live, file);
  logger.close();
  const pid = deadPid();
  if (options.lock !== false) {
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid, hostname: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
  }
  return { file, pid };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("recover: clears the flags and the stale lock a killed writer left, and reports what the file holds", (t) => {
  const { file, pid } = crashed(t, { rows: 10 });
  assert.equal(readSuperblock(file).openForWrite, true);
  const report = H5Logger.recover(file);
  assert.deepEqual(report, {
    file,
    flagsCleared: true,
    staleLock: report.staleLock,
    zeroFilled: 0,
    endAddressRaised: report.endAddressRaised,
    trimmed: [],
    rolledBack: null,
    datasets: [{ name: "x", rows: 10, dtype: "float64" }],
  });
  assert.equal(report.staleLock?.pid, pid);
  assert.equal(readSuperblock(file).flags, 0);
  assert.equal(fs.existsSync(`${file}.lock`), false);
  if (have(t, "h5py")) assert.deepEqual(h5pyValues(file), { x: range(10) });
});

test("recover: a file that h5py's writer left behind (no h5logger lock), plain and SWMR", (t) => {
  if (!have(t, "h5py")) return;
  for (const swmr of [false, true]) {
    const file = path.join(tempDir(t), `h5py-${swmr}.h5`);
    const made = spawnSync(PYTHON, [MAKE_CRASHED, file, "--rows", "7", ...(swmr ? ["--swmr"] : [])], { encoding: "utf8" });
    assert.equal(made.signal, "SIGKILL", made.stderr);
    const report = H5Logger.recover(file);
    assert.deepEqual(report, {
      file,
      flagsCleared: true,
      staleLock: null,
      zeroFilled: 0,
      endAddressRaised: report.endAddressRaised,
      trimmed: [],
      rolledBack: null,
      datasets: [{ name: "rows", rows: 7, dtype: "float64" }],
    });
    assert.deepEqual(h5pyValues(file), { rows: range(7).map((i) => [i, 2 * i, 3 * i]) });
  }
});

test("recover: a cleanly closed file is left byte for byte as it was", (t) => {
  const file = path.join(tempDir(t), "clean.h5");
  const logger = new H5Logger(file);
  logger.log("x", 1);
  logger.close();
  const before = sha256(file);
  assert.deepEqual(H5Logger.recover(file), {
    file,
    flagsCleared: false,
    staleLock: null,
    zeroFilled: 0,
    endAddressRaised: 0,
    trimmed: [],
    rolledBack: null,
    datasets: [{ name: "x", rows: 1, dtype: "float64" }],
  });
  assert.equal(sha256(file), before);
  assert.equal(fs.existsSync(`${file}.lock`), false);
});

test("recover: metadata past the recorded end of file (a kill during a flush) is made reachable, as h5clear --increment does", (t) => {
  const file = path.join(tempDir(t), "overflow.h5");
  const logger = new H5Logger(file);
  for (let i = 0; i < 5000; i++) logger.log("x", i);
  logger.close();
  // What a writer killed mid-flush leaves: flags set, and the superblock's end-of-file address
  // (written last) still the one of an earlier flush, short of metadata already on disk.
  const bytes = fs.readFileSync(file);
  assert.equal(bytes[8], 3, "a version 3 superblock");
  bytes[11] = 1;
  bytes.writeBigUInt64LE(195n, 28);
  bytes.writeUInt32LE(lookup3(bytes.subarray(0, 44)), 44);
  fs.writeFileSync(file, bytes);
  const report = H5Logger.recover(file);
  assert.equal(report.flagsCleared, true);
  assert.equal(report.endAddressRaised, bytes.length - 195);
  assert.equal(Number(readSuperblock(file).endOfFileAddress), bytes.length);
  using reader = H5Logger.openSync(file);
  assert.deepEqual(Array.from(reader.get("x").value as Float64Array), range(5000));
});

test("recover: a dataset and its step companion cut short differently by a kill mid-flush are brought back in line", (t) => {
  const file = path.join(tempDir(t), "companions.h5");
  const logger = new H5Logger(file, { steps: true });
  for (let i = 0; i < 300; i++) logger.log("x", i, { step: i });
  logger.close();
  // As a flush cut short can leave it: x grown to 300 rows on disk, x.step only to 250.
  const handle = hdf5.openFile(file, "a");
  hdf5.resizeRows(handle, "/x.step", 250);
  hdf5.closeFile(handle);
  const bytes = fs.readFileSync(file);
  bytes[11] = 1;
  bytes.writeUInt32LE(lookup3(bytes.subarray(0, 44)), 44);
  fs.writeFileSync(file, bytes);
  fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
  const writer = new H5Logger(file, { steps: true });
  assert.deepEqual(writer.recovered?.trimmed, [{ name: "x", from: 300, to: 250 }]);
  writer.log("x", 250, { step: 250 }); // appends line up again
  writer.close();
  using reader = H5Logger.openSync(file);
  assert.deepEqual(Array.from(reader.get("x").value as Float64Array), range(251));
  assert.deepEqual(reader.get("x.step").toArray(), range(251).map(BigInt));
});

test("recover refuses while a writer holds the file, naming its pid; the file is untouched", (t) => {
  const file = path.join(tempDir(t), "busy.h5");
  const logger = new H5Logger(file);
  t.after(() => logger.close());
  logger.log("x", 1);
  logger.flush();
  const before = sha256(file);
  assert.throws(
    () => H5Logger.recover(file),
    (err: Error) => err instanceof LockedError && err.message.includes(`pid ${process.pid}`),
  );
  assert.equal(sha256(file), before);
  assert.equal(readSuperblock(file).openForWrite, true, "the writer's flags stay");
});

test("recover: a missing file, a file that is not HDF5, a bad extension: clear errors, nothing written", (t) => {
  const dir = tempDir(t);
  assert.throws(
    () => H5Logger.recover(path.join(dir, "missing.h5")),
    (err: Error) => err instanceof FileError && /does not exist/.test(err.message),
  );
  const text = path.join(dir, "notes.h5");
  fs.writeFileSync(text, "not hdf5");
  assert.throws(
    () => H5Logger.recover(text),
    (err: Error) => err instanceof FileError && /not an HDF5 file/.test(err.message),
  );
  assert.equal(fs.readFileSync(text, "utf8"), "not hdf5");
  assert.equal(fs.existsSync(`${text}.lock`), false);
  // Any extension: recover reads any HDF5 file; a missing one says so.
  assert.throws(() => H5Logger.recover(path.join(dir, "run.csv")), /run\.csv: does not exist/);
  // No extension: .h5 is added, as everywhere else.
  const { file } = crashed(t);
  assert.equal(H5Logger.recover(file.replace(/\.h5$/, "")).flagsCleared, true);
});

test("new H5Logger on a crashed file whose lock proves the writer dead: recovers by itself, says so, appends after the flushed rows", async (t) => {
  const { file, pid } = crashed(t, { rows: 5 });
  // Warnings are emitted on the next tick: wait for the one about this file.
  const warned = new Promise<Error>((resolve) => {
    const listener = (warning: Error) => {
      if (!warning.message.includes(file)) return;
      process.off("warning", listener);
      resolve(warning);
    };
    process.on("warning", listener);
  });
  const logger = new H5Logger(file);
  assert.equal(logger.recovered?.flagsCleared, true);
  assert.equal(logger.recovered?.staleLock?.pid, pid);
  assert.deepEqual(logger.recovered?.datasets, [{ name: "x", rows: 5, dtype: "float64" }]);
  const warning = await warned;
  assert.equal((warning as Error & { code?: string }).code, "H5LOGGER_RECOVERED");
  assert.match(warning.message, new RegExp(`pid ${pid}`));
  logger.log("x", 5);
  logger.close();
  using reader = H5Logger.openSync(file);
  assert.deepEqual(Array.from(reader.get("x").value as Float64Array), range(6));
  // A clean file: the next writer has nothing to recover.
  reader.close();
  const again = new H5Logger(file);
  assert.equal(again.recovered, null);
  again.close();
});

test("new H5Logger on a crashed file with no lock to prove its writer gone: refuses with the one command that fixes it", (t) => {
  const { file } = crashed(t, { rows: 3, lock: false });
  const before = sha256(file);
  for (const replaceIfExists of [false, true]) {
    assert.throws(
      () => new H5Logger(file, { replaceIfExists }),
      (err: Error) =>
        err instanceof LockedError &&
        err.message.includes(`npx h5logger recover ${file}`) &&
        /not closed by its last writer/.test(err.message),
    );
  }
  assert.equal(sha256(file), before, "the file is untouched");
  assert.equal(fs.existsSync(`${file}.lock`), false, "and no lock is left behind");
  H5Logger.recover(file);
  const logger = new H5Logger(file);
  logger.log("x", 3);
  logger.close();
  using reader = H5Logger.openSync(file);
  assert.deepEqual(Array.from(reader.get("x").value as Float64Array), range(4));
});

test("replaceIfExists on a crashed file whose writer is proven dead: a fresh file", (t) => {
  const { file } = crashed(t, { rows: 3 });
  const logger = new H5Logger(file, { replaceIfExists: true });
  assert.equal(logger.recovered?.staleLock !== null, true);
  logger.log("y", 1);
  logger.close();
  using reader = H5Logger.openSync(file);
  assert.deepEqual(reader.keys(), ["y"]);
});

test("readers read a crashed file without modifying it, from a private copy removed on close", async (t) => {
  for (const lock of [true, false]) {
    const { file } = crashed(t, { rows: 8, lock });
    const before = sha256(file);
    const copies = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("h5logger-copy-")).length;
    const copiesBefore = copies();
    const reader = H5Logger.openSync(file);
    assert.equal(copies(), copiesBefore + 1);
    assert.deepEqual(Array.from(reader.get("x").value as Float64Array), range(8));
    assert.equal(reader.live, false);
    assert.equal(reader.refresh(), false, "a crashed file does not change");
    reader.close();
    assert.equal(copies(), copiesBefore, "the copy is deleted on close");
    const later = await H5Logger.open(file);
    assert.equal(later.get("x").length, 8);
    later.close();
    assert.equal(sha256(file), before, "the file is untouched");
    assert.equal(readSuperblock(file).openForWrite, true);
  }
});

test("a reader does not copy a file that a live writer holds: it waits, as before", async (t) => {
  const file = path.join(tempDir(t), "busy.h5");
  const logger = new H5Logger(file);
  t.after(() => logger.close());
  logger.log("x", 1);
  logger.flush();
  assert.throws(
    () => H5Logger.openSync(file),
    (err: Error) => err instanceof FileError && /open for writing/.test(err.message),
  );
  await assert.rejects(H5Logger.open(file, { timeout: 200, retryEvery: 50 }), /within 200 ms/);
});

test("a crashed SWMR file opens as it is (HDF5 allows it), not live: follow() ends instead of waiting forever", async (t) => {
  const { file } = crashed(t, { rows: 4, swmr: true });
  const sb = readSuperblock(file);
  assert.equal(sb.swmrWrite && sb.openForWrite, true);
  const before = sha256(file);
  using reader = H5Logger.openSync(file);
  assert.equal(reader.live, false, "its lock proves the writer dead");
  const seen: number[] = [];
  for await (const { rows } of reader.follow("x", { pollEvery: 10 })) seen.push(...Array.from(rows as Float64Array));
  assert.deepEqual(seen, range(4));
  assert.equal(sha256(file), before);
});
