/**
 * Every way a user names a file: relative names, `./` and `../`, nested folders (created),
 * spaces and non-ASCII, a symlinked folder, a symlink to a file, a symlink to a file not
 * created yet, hard links, no extension. For writers, readers, recover and the command line,
 * with the lock and rollback journal beside the real file, and one writer per file whatever
 * the name. Writers run from a temp working directory, as users run them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import * as hdf5 from "../src/hdf5/index.js";
import { FileError, H5Logger, InvalidOptionError, LockedError } from "../src/index.js";
import { WriterFile } from "../src/write/writer-file.js";
import { startNode } from "./helpers/child.js";
import { h5pyValues, have, tempDir } from "./helpers/interop.js";
import { CLI, fixture } from "./helpers/paths.js";

/** Work in a fresh temp folder for this test, as a user in their project folder; returns its real path. */
function inTempCwd(t: TestContext): string {
  const dir = fs.realpathSync(tempDir(t));
  const before = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(before));
  return dir;
}

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

interface Form {
  form: string;
  /** Makes what the form needs in `dir`; returns the name a user would type. */
  setup(dir: string): string;
  /** Where the file really is, relative to `dir`. */
  real: string;
  /** Rows the file holds before the test logs (a symlink to an existing file). */
  before?: number;
}

const FORMS: Form[] = [
  { form: "a relative name", setup: () => "run.h5", real: "run.h5" },
  { form: "./name", setup: () => "./run.h5", real: "run.h5" },
  { form: "../folder/name", setup: (dir) => `../${path.basename(dir)}/run.h5`, real: "run.h5" },
  { form: "no extension", setup: () => "run", real: "run.h5" },
  { form: "nested folders that do not exist yet", setup: () => "out/a/b/run.h5", real: "out/a/b/run.h5" },
  { form: "spaces and non-ASCII", setup: () => "my runs/entraînement ✓ 2026.h5", real: "my runs/entraînement ✓ 2026.h5" },
  {
    form: "a symlinked folder",
    setup: (dir) => {
      fs.mkdirSync(path.join(dir, "real-data"));
      fs.symlinkSync("real-data", path.join(dir, "linked"));
      return "linked/run.h5";
    },
    real: "real-data/run.h5",
  },
  {
    form: "a symlink to a file",
    setup: (dir) => {
      fs.mkdirSync(path.join(dir, "data"));
      const first = new H5Logger(path.join(dir, "data", "run.h5"));
      first.log("x", -1);
      first.close();
      fs.symlinkSync(path.join("data", "run.h5"), path.join(dir, "link.h5"));
      return "link.h5";
    },
    real: "data/run.h5",
    before: 1,
  },
  {
    form: "a symlink to a file not created yet",
    setup: (dir) => {
      fs.mkdirSync(path.join(dir, "data"));
      fs.mkdirSync(path.join(dir, "links"));
      fs.symlinkSync(path.join("..", "data", "run.h5"), path.join(dir, "links", "run.h5"));
      return "links/run.h5";
    },
    real: "data/run.h5",
  },
];

describe("every path form: writer, reader, recover, command line", () => {
  for (const { form, setup, real, before = 0 } of FORMS) {
    test(form, (t) => {
      const dir = inTempCwd(t);
      const name = setup(dir);
      const realPath = path.join(dir, real);
      const logger = new H5Logger(name);
      assert.equal(logger.filename, path.extname(name) ? name : `${name}.h5`, "filename is the name as given, .h5 added");
      assert.equal(logger.path, realPath, "path is the real file");
      assert.ok(fs.existsSync(`${realPath}.journal`), "the journal is beside the real file");
      assert.ok(fs.existsSync(`${realPath}.lock`), "the lock is beside the real file");
      for (let i = 0; i < 10; i++) logger.log("x", i);
      logger.flush();
      // The same file by any other name is refused while this logger writes it.
      for (const other of [name, realPath, path.relative(dir, realPath)]) {
        assert.throws(() => new H5Logger(other), LockedError, `a second writer through ${other}`);
      }
      // Moving the working directory does not move the file being written.
      process.chdir(os.tmpdir());
      for (let i = 10; i < 20; i++) logger.log("x", i);
      logger.close();
      process.chdir(dir);
      for (const leftover of [".journal", ".lock"]) assert.equal(fs.existsSync(`${realPath}${leftover}`), false, `no ${leftover} left`);
      if (name !== real) assert.equal(fs.existsSync(`${name}.lock`), false, "nothing beside the name as given");
      const expected = [...range(-before, 0), ...range(0, 20)];
      using reader = H5Logger.openSync(name);
      assert.equal(reader.path, realPath);
      assert.deepEqual(Array.from(reader.get("x").value as Float64Array), expected);
      assert.match(JSON.stringify(H5Logger.recover(name).flagsCleared), /false/);
      const ls = cli(dir, "ls", name, "--json");
      assert.equal(ls.code, 0, ls.err);
      assert.deepEqual(
        JSON.parse(ls.out).datasets.map((d: { name: string; rows: number }) => [d.name, d.rows]),
        [["x", expected.length]],
      );
      if (have(t, "h5py")) assert.deepEqual(h5pyValues(realPath).x, expected);
    });
  }

  test("hard links: another name of the same file, refused while a writer holds it", (t) => {
    const dir = inTempCwd(t);
    const first = new H5Logger("orig.h5");
    first.log("x", 0);
    first.close();
    fs.linkSync("orig.h5", "hard.h5");
    const logger = new H5Logger("hard.h5");
    logger.log("x", 1);
    logger.flush();
    assert.throws(
      () => new H5Logger("orig.h5"),
      (err: Error) => err instanceof LockedError && /already writes this file \(as hard\.h5\)/.test(err.message),
    );
    logger.close();
    using reader = H5Logger.openSync("orig.h5");
    assert.deepEqual(Array.from(reader.get("x").value as Float64Array), [0, 1]);
    assert.equal(fs.readdirSync(dir).sort().join(" "), "hard.h5 orig.h5", "no lock or journal left");
  });
});

test("the rollback journal sees every write HDF5 makes to a file opened by a relative name", (t) => {
  inTempCwd(t);
  const writer = WriterFile.open("sub/../run.h5", false);
  try {
    hdf5.createDataset(writer.handle, "/x", "float64", { rowShape: [] }, 16);
    hdf5.appendRows(writer.handle, "/x", [], 0, 4, Float64Array.of(1, 2, 3, 4));
    writer.flush();
    assert.equal(fs.statSync("run.h5.journal").size, 24, "after a completed flush the journal holds its header only");
    // Appending rewrites the partly filled chunk and the dataset's header in place.
    hdf5.appendRows(writer.handle, "/x", [], 4, 4, Float64Array.of(5, 6, 7, 8));
    hdf5.flushFile(writer.handle);
    assert.ok(fs.statSync("run.h5.journal").size > 24, "the journal saved the bytes HDF5 overwrote");
  } finally {
    writer.close();
  }
  assert.equal(fs.existsSync("run.h5.journal"), false);
});

describe("one writer per file, whatever the path", () => {
  test("a writer through a dangling symlink holds the real file: a writer, recover and the command line through the real path are refused with its pid; after a kill, recovery through either name finds its journal", async (t) => {
    const dir = inTempCwd(t);
    fs.mkdirSync("data");
    fs.mkdirSync("links");
    fs.symlinkSync(path.join("..", "data", "run.h5"), path.join("links", "run.h5"));
    const holder = startNode(fixture("hold_writer"), ["links/run.h5"], { test: t, stdin: true, cwd: dir });
    const { pid } = await holder.waitFor((l) => l.ready === true, "the writer opened the file");
    holder.send("flush\n");
    await holder.waitFor((l) => l.flushed === 3, "the first flush");
    const byPid = (err: Error) => err instanceof LockedError && err.message.includes(`pid ${pid}`);
    for (const other of ["data/run.h5", path.join(dir, "data", "run.h5"), "links/run.h5"]) {
      assert.throws(() => new H5Logger(other), byPid, `a writer through ${other}`);
      assert.throws(() => new H5Logger(other, { replaceIfExists: true }), byPid, `replacing through ${other}`);
      assert.throws(() => H5Logger.recover(other), byPid, `recover through ${other}`);
    }
    const refused = cli(dir, "recover", "data/run.h5");
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`pid ${pid}`));
    assert.equal(fs.existsSync(path.join("links", "run.h5.lock")), false, "no lock beside the symlink");
    holder.process.kill("SIGKILL");
    await holder.exited;
    assert.ok(fs.existsSync("data/run.h5.journal"), "the killed writer left its journal beside the real file");
    const recovered = cli(dir, "recover", "links/run.h5");
    assert.equal(recovered.code, 0, recovered.err);
    assert.match(recovered.out, /cleared HDF5's "open for write" flags/);
    assert.equal(fs.existsSync("data/run.h5.journal"), false, "recovery removed the journal");
    using reader = H5Logger.openSync("data/run.h5");
    assert.deepEqual(Array.from(reader.get("x").value as Float64Array), [0, 1, 2], "every flushed row");
  });
});

describe("odd names get clear errors and leave nothing behind", () => {
  test("a name so long that NAME.journal would pass the file system's limit", (t) => {
    const dir = inTempCwd(t);
    const name = `${"x".repeat(245)}.h5`;
    assert.throws(
      () => new H5Logger(name),
      (err: Error) => err instanceof InvalidOptionError && /too long/.test(err.message),
    );
    assert.throws(
      () => H5Logger.openSync(name),
      (err: Error) => err instanceof InvalidOptionError && /too long/.test(err.message),
    );
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test("a name ending in '/' names a folder", (t) => {
    const dir = inTempCwd(t);
    for (const name of ["runs/", "./"]) {
      assert.throws(
        () => new H5Logger(name),
        (err: Error) => err instanceof InvalidOptionError && /ends with a '\/'/.test(err.message),
      );
    }
    assert.deepEqual(fs.readdirSync(dir), [], "no hidden .h5 created");
  });

  test("a folder named run.h5: writer, reader and recover say it is a folder; the command line reads it as a run", (t) => {
    const dir = inTempCwd(t);
    fs.mkdirSync("run.h5");
    const folder = (err: Error) => err instanceof FileError && /is a folder/.test(err.message);
    assert.throws(() => new H5Logger("run.h5"), folder);
    assert.throws(() => new H5Logger("run"), folder);
    assert.throws(() => H5Logger.openSync("run.h5"), folder);
    assert.throws(() => H5Logger.recover("run.h5"), folder);
    const ls = cli(dir, "ls", "run.h5");
    assert.equal(ls.code, 0, ls.err);
    assert.match(ls.out, /^run run\.h5: 0 writers\n/);
    assert.deepEqual(fs.readdirSync(dir), ["run.h5"]);
    assert.deepEqual(fs.readdirSync("run.h5"), []);
  });
});
