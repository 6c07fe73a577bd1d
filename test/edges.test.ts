/**
 * Promises at the edges: nothing accepted is lost or changed silently, a constructor that
 * throws leaves the file as it was, switches do what they say, and errors say what to do.
 * Writers work in temp folders with relative names, as users do.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { Worker } from "node:worker_threads";
import { ClosedError, FileError, H5Logger, InvalidNameError, InvalidOptionError, InvalidValueError, LockedError } from "../src/index.js";
import { readSuperblock } from "../src/recovery/superblock.js";
import { h5pyValues, have, PYTHON, python, sha256, tempCwd } from "./helpers/interop.js";
import { fixture, pythonFixture } from "./helpers/paths.js";

/** A file with one closed dataset `x` = [1, 2, 3]. */
function existing(name = "run.h5"): string {
  const logger = new H5Logger(name);
  for (const x of [1, 2, 3]) logger.log("x", x);
  logger.close();
  return name;
}

/** The next process warning of this code, emitted on a later tick. */
function nextWarning(code: string): Promise<Error> {
  return new Promise((resolve) => {
    const listener = (warning: Error & { code?: string }) => {
      if (warning.code !== code) return;
      process.off("warning", listener);
      resolve(warning);
    };
    process.on("warning", listener);
  });
}

describe("nothing accepted is dropped or changed", () => {
  test("a step for a dataset that has rows without steps is refused, and nothing is written for it", (t) => {
    tempCwd(t);
    const logger = new H5Logger("steps.h5");
    logger.log("a", 1);
    assert.throws(
      () => logger.log("a", 2, { step: 5 }),
      (err: Error) => err instanceof InvalidValueError && /^a: has no step column \(a\.step\)/.test(err.message),
    );
    logger.log("a", 3);
    logger.close();
    using reader = H5Logger.openSync("steps.h5");
    assert.deepEqual(reader.keys(), ["a"]);
    assert.deepEqual(Array.from(reader.get("a").value as Float64Array), [1, 3]);
  });

  test("a step for a declared dataset with no rows yet creates its step column", (t) => {
    tempCwd(t);
    const logger = new H5Logger("declared.h5", { datasets: { a: { dtype: "float64", shape: [] } } });
    logger.log("a", 2, { step: 5 });
    logger.log("a", 3, { step: 6 });
    logger.close();
    using reader = H5Logger.openSync("declared.h5");
    assert.deepEqual(reader.keys(), ["a", "a.step"]);
    assert.deepEqual(reader.get("a.step").toArray(), [5n, 6n]);
  });

  test("with concurrent readers on, a step for a declared dataset without a step column is refused", (t) => {
    tempCwd(t);
    const logger = new H5Logger("swmr.h5", { concurrentReaders: true, datasets: { a: [1, "float"] } });
    assert.throws(
      () => logger.log("a", 1, { step: 1 }),
      (err: Error) => err instanceof InvalidValueError && /concurrent readers are on/.test(err.message),
    );
    logger.log("a", 1);
    logger.close();
    using reader = H5Logger.openSync("swmr.h5");
    assert.deepEqual(Array.from(reader.get("a").value as Float64Array), [1]);
  });

  test("non-ASCII text is refused for an h5py dataset of ASCII strings; ASCII text is appended and h5py reads it", (t) => {
    if (!have(t, "h5py")) return;
    tempCwd(t);
    python(
      `import sys, json, h5py\nwith h5py.File(sys.argv[1], "w", libver="latest") as f:\n    f.create_dataset("s", data=[b"a"], maxshape=(None,), chunks=True, dtype=h5py.string_dtype("ascii"))\nprint(json.dumps(True))`,
      "ascii.h5",
    );
    const logger = new H5Logger("ascii.h5");
    assert.throws(
      () => logger.log("s", "héllo"),
      (err: Error) => err instanceof InvalidValueError && /holds ASCII strings/.test(err.message),
    );
    logger.log("s", "hello");
    logger.close();
    const read = python<string[]>(
      `import sys, json, h5py\nwith h5py.File(sys.argv[1], "r") as f:\n    print(json.dumps([v.decode() for v in f["s"][:]]))`,
      "ascii.h5",
    );
    assert.deepEqual(read, ["a", "hello"]);
  });

  test("a file deleted while it is written: a process warning at the next flush", async (t) => {
    tempCwd(t);
    const logger = new H5Logger("gone.h5");
    logger.log("x", 1);
    logger.flush();
    fs.rmSync("gone.h5");
    const warned = nextWarning("H5LOGGER_FILE_GONE");
    logger.log("x", 2);
    logger.flush();
    assert.match((await warned).message, /gone\.h5 was deleted while h5logger writes it/);
    logger.close();
  });

  test("a file replaced while it is written: a process warning at the next flush", async (t) => {
    tempCwd(t);
    const logger = new H5Logger("replaced.h5");
    logger.log("x", 1);
    logger.flush();
    fs.writeFileSync("other", "x");
    fs.renameSync("other", "replaced.h5");
    const warned = nextWarning("H5LOGGER_FILE_GONE");
    logger.flush();
    assert.match((await warned).message, /replaced\.h5 was replaced by another file/);
    logger.close();
  });

  test("a worker thread terminated while it logs: this same process then writes and reads the file, recovered, with every row the worker flushed", async (t) => {
    tempCwd(t);
    const file = path.join(process.cwd(), "worker.h5");
    const worker = new Worker(fixture("worker_writer"), { workerData: { file } });
    t.after(() => worker.terminate());
    const flushed = await new Promise<number>((resolve, reject) => {
      worker.on("message", (m: { flushed: number }) => resolve(m.flushed));
      worker.on("error", reject);
    });
    await worker.terminate();
    using reader = H5Logger.openSync("worker.h5"); // its lock names a thread that is gone: a private copy is read
    assert.ok((reader.get("x").value as Float64Array).length >= flushed);
    reader.close();
    const logger = new H5Logger("worker.h5");
    assert.equal(logger.recovered?.staleLock?.pid, process.pid, "the lock of this process's dead thread was taken over");
    assert.equal(logger.recovered?.flagsCleared, true);
    logger.log("x", -1);
    logger.close();
    using after = H5Logger.openSync("worker.h5");
    const x = Array.from(after.get("x").value as Float64Array);
    assert.deepEqual(
      x.slice(0, flushed),
      Array.from({ length: flushed }, (_, i) => i),
    );
    assert.equal(x.at(-1), -1);
  });

  test("a row too big for HDF5's WebAssembly memory is refused before anything is written; the logger goes on", (t) => {
    tempCwd(t);
    const logger = new H5Logger("big.h5");
    logger.log("small", 1);
    assert.throws(
      () => logger.log("big", { data: new Float64Array(1), shape: [100_000, 100_000] }),
      (err: Error) => err instanceof InvalidValueError && /^big: a row of .* more than the 536870912 bytes/.test(err.message),
    );
    logger.log("small", 2);
    logger.close();
    using reader = H5Logger.openSync("big.h5");
    assert.deepEqual(reader.keys(), ["small"]);
    assert.equal(readSuperblock("big.h5").openForWrite, false, "closed cleanly");
  });
});

describe("a constructor that throws leaves an existing file byte for byte as it was", () => {
  const cases: [string, () => H5Logger][] = [
    ["a reserved name among the declarations", () => new H5Logger("run.h5", { datasets: { ok: [1, "float"], "bad.step": [1, "float"] } })],
    ["a bad attribute", () => new H5Logger("run.h5", { attrs: { good: 1, bad: (() => 1) as unknown as string } })],
    [
      "a declaration that does not fit the existing dataset",
      () => new H5Logger("run.h5", { datasets: { ok: [1, "float"], x: { dtype: "int32" } } }),
    ],
    ["two declarations of one dataset", () => new H5Logger("run.h5", { datasets: { a: [1, "float"], "/a": [1, "float"] } })],
  ];
  for (const [what, make] of cases) {
    test(what, (t) => {
      tempCwd(t);
      existing();
      const before = sha256("run.h5");
      assert.throws(
        make,
        (err: Error) => err instanceof InvalidNameError || err instanceof InvalidValueError || err instanceof InvalidOptionError,
      );
      assert.equal(sha256("run.h5"), before);
      assert.deepEqual(fs.readdirSync(".").sort(), ["run.h5"], "no lock or journal left");
    });
  }
});

describe("switches do what they say", () => {
  test("nDatasets with as many datasets declared up front switches concurrent readers on at once", (t) => {
    tempCwd(t);
    const logger = new H5Logger("n.h5", { nDatasets: 2, datasets: { a: [1, "float"], b: { dtype: "int32", shape: [] } } });
    assert.equal(logger.concurrentReaders, true);
    logger.log("a", 1);
    logger.log("b", 2);
    logger.close();
  });

  test("enableConcurrentReaders() on an h5py file in HDF5's old format: a clear error, and the logger goes on", (t) => {
    if (!have(t, "h5py")) return;
    tempCwd(t);
    const made = spawnSync(PYTHON, [pythonFixture("make_h5py_files"), "old.h5", "extendable", "--libver", "earliest"], {
      encoding: "utf8",
    });
    assert.equal(made.status, 0, made.stderr);
    const logger = new H5Logger("old.h5");
    logger.log("x", 3.5);
    assert.throws(
      () => logger.enableConcurrentReaders(),
      (err: Error) => err instanceof FileError && /pre-1\.10 format/.test(err.message) && /libver="latest"/.test(err.message),
    );
    assert.equal(logger.concurrentReaders, false);
    logger.log("x", 4.5);
    logger.close();
    assert.deepEqual(h5pyValues("old.h5").x, [0.5, 1.5, 2.5, 3.5, 4.5]);
  });
});

describe("errors that say what to do", () => {
  test("H5Logger.open() fails at once for what cannot become readable: a text file, a folder", { timeout: 60_000 }, async (t) => {
    tempCwd(t);
    fs.writeFileSync("notes.h5", "not HDF5");
    fs.mkdirSync("folder.h5");
    // A timeout far beyond the test's own: only failing at once lets the test end.
    await assert.rejects(
      H5Logger.open("notes.h5", { timeout: 600_000 }),
      (err: Error) => err instanceof FileError && /not a readable HDF5 file/.test(err.message),
    );
    await assert.rejects(
      H5Logger.open("folder.h5", { timeout: 600_000 }),
      (err: Error) => err instanceof FileError && /is a folder/.test(err.message),
    );
    await assert.rejects(
      H5Logger.open("missing.h5", { waitForFile: false }),
      (err: Error) => err instanceof FileError && /missing\.h5: does not exist/.test(err.message),
    );
  });

  test("a reader from logger.open() used after logger.close(): ClosedError", (t) => {
    tempCwd(t);
    const logger = new H5Logger("borrowed.h5");
    logger.log("x", 1);
    const reader = logger.open();
    assert.deepEqual(reader.keys(), ["x"]);
    logger.close();
    assert.throws(
      () => reader.keys(),
      (err: Error) => err instanceof ClosedError && /its logger, which is closed/.test(err.message),
    );
    assert.throws(() => reader.get("x"), ClosedError);
  });

  test("a writer of a file this process reads: a LockedError that says to close the reader", (t) => {
    tempCwd(t);
    existing("read.h5");
    const reader = H5Logger.openSync("read.h5");
    assert.throws(
      () => new H5Logger("read.h5"),
      (err: Error) => err instanceof LockedError && /open for reading \(an H5Reader\)/.test(err.message),
    );
    reader.close();
    const logger = new H5Logger("read.h5");
    logger.close();
  });

  test("out-of-range options fail the option check, before any file is touched", (t) => {
    tempCwd(t);
    const bad: [object, RegExp][] = [
      [{ flushEvery: 2 ** 31 }, /flushEvery must be at most 2147483647 milliseconds/],
      [{ chunkBytes: 1e12 }, /chunkBytes must be at most 268435456 bytes/],
      [
        { datasets: { img: { dtype: "float64", shape: [1e6, 1e6] } } },
        /datasets\.img\.shape \[1000000,1000000\]: a row of 1000000000000 elements/,
      ],
      [{ datasets: { a: [1, "float"], "/a": [1, "float"] } }, /"a" and "\/a" declare the same dataset/],
      [{ datasets: { a: [1, "float"], "a/b": [1, "float"] } }, /"a" cannot be a dataset and also hold "a\/b"/],
    ];
    for (const [options, message] of bad)
      assert.throws(
        () => new H5Logger("opts.h5", options),
        (err: Error) => err instanceof InvalidOptionError && message.test(err.message),
      );
    assert.deepEqual(fs.readdirSync("."), []);
  });

  test("names 300 groups deep are written, closed and listed without a cost per level per level", { timeout: 120_000 }, (t) => {
    tempCwd(t);
    const name = Array.from({ length: 300 }, (_, i) => `g${i}`).join("/");
    const logger = new H5Logger("deep.h5", { steps: true });
    logger.log(name, 1);
    logger.log(`${name}-b`, 2);
    logger.close();
    using reader = H5Logger.openSync("deep.h5");
    assert.deepEqual(reader.keys(), [name, `${name}-b`, `${name}-b.step`, `${name}.step`].sort());
  });
});

describe("a file on a full or read-only disk", () => {
  /** A small tmpfs of our own (root only), removed when the test ends. */
  function mountTmpfs(t: TestContext, options: string): string | null {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-mnt-"));
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { encoding: "utf8" });
    if (r.status !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      t.skip(`cannot mount a tmpfs here (${r.stderr.trim() || "not root"})`);
      return null;
    }
    t.after(() => {
      spawnSync("umount", [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return dir;
  }

  test("starting on a full disk: an error that says so, no lock left behind; once there is room, a writer starts at once", (t) => {
    const dir = mountTmpfs(t, "size=1m");
    if (dir === null) return;
    const filler = path.join(dir, "filler");
    // Fill every block.
    const block = Buffer.alloc(4096, 1);
    const fd = fs.openSync(filler, "w");
    try {
      for (;;) fs.writeSync(fd, block);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, "ENOSPC");
    } finally {
      fs.closeSync(fd);
    }
    const file = path.join(dir, "run.h5");
    assert.throws(
      () => new H5Logger(file),
      (err: Error) => err instanceof FileError && /disk is full/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(dir).sort(), ["filler", "run.h5"].filter((f) => fs.existsSync(path.join(dir, f))).sort());
    assert.equal(fs.existsSync(`${file}.lock`), false, "no empty lock left to block other writers");
    fs.rmSync(filler);
    const logger = new H5Logger(file, { replaceIfExists: true });
    logger.log("x", 1);
    logger.close();
  });

  test("recover and append on a read-only file system: errors that say so", (t) => {
    const dir = mountTmpfs(t, "size=4m");
    if (dir === null) return;
    const file = path.join(dir, "run.h5");
    const child = spawnSync(process.execPath, [fixture("crash_self"), file], { encoding: "utf8" });
    assert.equal(child.signal, "SIGKILL", child.stderr);
    const remount = spawnSync("mount", ["-o", "remount,ro", dir], { encoding: "utf8" });
    assert.equal(remount.status, 0, remount.stderr);
    assert.throws(
      () => H5Logger.recover(file),
      (err: Error) => err instanceof FileError && /read-only/.test(err.message) && /Copy it somewhere writable/.test(err.message),
    );
    assert.throws(
      () => new H5Logger(file),
      (err: Error) => err instanceof FileError && /read-only/.test(err.message),
    );
    assert.throws(
      () => new H5Logger(path.join(dir, "new.h5")),
      (err: Error) => err instanceof FileError && /read-only/.test(err.message),
    );
  });
});
