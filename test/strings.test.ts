/**
 * Fixed-length strings (issue 14): a string dataset declared with `maxBytes` stores each string
 * in that many bytes of UTF-8, can be logged with concurrent readers on (HDF5's SWMR mode
 * forbids variable-length strings), and refuses a string that does not fit rather than cut it.
 * Checked through our reader, h5py (also following the file while it is written), h5ls and
 * h5dump; expected values are the strings logged here.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { H5Logger } from "../src/index.js";
import { startProcess } from "./helpers/child.js";
import { h5pyRead, have, PYTHON, python, run, tempDir } from "./helpers/interop.js";
import { refuses } from "./helpers/refuses.js";

// 8 bytes at most: short, multi-byte, trailing spaces inside the field, exactly full, empty.
const STRINGS = ["abc", "héllo", "ab  ", "12345678", "", "日本", "😀😀", " lead"];

describe("round trip", () => {
  test("our reader, h5py, h5ls and h5dump read back exactly what was logged", (t) => {
    const file = path.join(tempDir(t), "fixed.h5");
    const logger = new H5Logger(file, { datasets: { note: { dtype: "string", maxBytes: 8 } } });
    for (const s of STRINGS) logger.log("note", s, { step: 1 });
    logger.close();

    const reader = H5Logger.openSync(file);
    const note = reader.get("note");
    assert.deepEqual(note.value, STRINGS);
    assert.equal(note.dtype, "string");
    assert.equal(note.storedType, "|S8");
    assert.equal(note.maxBytes, 8);
    assert.equal(String(note), '<HDF5 dataset "note": shape (8,), type "|S8">');
    assert.equal(note.at(-1), " lead");
    reader.close();

    if (!have(t, "h5py")) return;
    const { datasets } = h5pyRead(file);
    assert.equal(datasets.note.dtype, "|S8");
    assert.deepEqual(datasets.note.string, { encoding: "utf-8", length: 8 });
    assert.deepEqual(datasets.note.value, STRINGS);
    const asstr = python<string[]>("import sys, json, h5py\nprint(json.dumps(list(h5py.File(sys.argv[1], 'r')['note'].asstr()[:])))", file);
    assert.deepEqual(asstr, STRINGS);
    if (have(t, "h5ls", "h5dump")) {
      assert.match(run("h5ls", "-v", `${file}/note`).stdout, /Type: +8-byte space-padded UTF-8 string/);
      const dump = run("h5dump", "-d", "/note", file).stdout;
      assert.match(dump, /STRSIZE 8;/);
      assert.match(dump, /CSET H5T_CSET_UTF8;/);
      assert.match(dump, /"abc\\000\\000\\000\\000\\000", /);
      assert.match(dump, /"12345678"/);
    }
  });

  test("a file's fixed-length strings take more rows; the length must match, and ASCII ones are not appended to", (t) => {
    const dir = tempDir(t);
    const file = path.join(dir, "again.h5");
    const first = new H5Logger(file, { datasets: { note: { dtype: "string", maxBytes: 4 } } });
    first.log("note", "one");
    first.close();
    const again = new H5Logger(file);
    again.log("note", "two");
    refuses(() => again.log("note", "three"), "InvalidValue", "note", /string of 5 bytes .* at most 4 bytes/);
    again.close();
    const reader = H5Logger.openSync(file);
    assert.deepEqual(reader.get("note").value, ["one", "two"]);
    reader.close();
    refuses(
      () => new H5Logger(file, { datasets: { note: { dtype: "string", maxBytes: 8 } } }),
      "InvalidValue",
      "note (existing dataset)",
      /holds fixed-length strings of 4 bytes \(\|S4\); declare it with maxBytes: 4/,
    );
    const vlen = new H5Logger(path.join(dir, "vlen.h5"));
    vlen.log("free", "text");
    vlen.close();
    refuses(
      () => new H5Logger(path.join(dir, "vlen.h5"), { datasets: { free: { dtype: "string", maxBytes: 8 } } }),
      "InvalidValue",
      "free (existing dataset)",
      /holds variable-length strings, so it cannot take maxBytes: 8/,
    );
    if (!have(t, "h5py")) return;
    const ascii = path.join(dir, "ascii.h5");
    python(
      "import sys, h5py, numpy as np\nwith h5py.File(sys.argv[1], 'w', libver=('v110', 'v110')) as f: f.create_dataset('s', data=np.array([b'ab'], dtype='S4'), maxshape=(None,), chunks=(4,))\nprint('null')",
      ascii,
    );
    const appender = new H5Logger(ascii);
    refuses(() => appender.log("s", "cd"), "InvalidValue", "s (existing dataset)", /holds ASCII strings \(\|S4\)/);
    appender.close();
  });
});

test("a string that does not fit is refused, nothing of it is written, and the logger goes on", (t) => {
  const file = path.join(tempDir(t), "refused.h5");
  const logger = new H5Logger(file, { datasets: { note: { dtype: "string", maxBytes: 8 } } });
  logger.log("note", "ok", { step: 0 });
  refuses(
    () => logger.log("note", "123456789"),
    "InvalidValue",
    "note",
    /got a string of 9 bytes in UTF-8; .* at most 8 bytes \(maxBytes\)/,
  );
  // 7 ASCII bytes and one 2-byte character: 9 bytes, though 8 characters.
  refuses(() => logger.log("note", "1234567é"), "InvalidValue", "note", /string of 9 bytes/);
  refuses(() => logger.log("note", "1234567 "), "InvalidValue", "note", /exactly 8 bytes that ends in a space/);
  refuses(() => logger.log("note", "a\0b"), "InvalidValue", "note", /NUL character/);
  refuses(() => logger.log("note", 5), "InvalidValue", "note", /holds strings/);
  logger.log("note", "still", { step: 1 });
  logger.close();
  const reader = H5Logger.openSync(file);
  assert.deepEqual(reader.get("note").value, ["ok", "still"]);
  assert.deepEqual(Array.from(reader.get("note.step").value as BigInt64Array), [0n, 1n]);
  reader.close();
});

test("with concurrent readers on, fixed-length strings are logged while h5py follows the file", async (t) => {
  if (!have(t, "h5py")) return;
  const file = path.join(tempDir(t), "swmr-strings.h5");
  const logged: string[] = [];
  const logger = new H5Logger(file, { concurrentReaders: true, flushEvery: 100, datasets: { note: { dtype: "string", maxBytes: 16 } } });
  const log = (i: number) => {
    const s = `é${i}`.repeat(1 + (i % 4));
    logged.push(s);
    logger.log("note", s);
  };
  // h5py reports each size it sees; the second half is logged only once it has seen the first.
  const follower = startProcess(
    PYTHON,
    [
      "-c",
      `
import sys, json, time, h5py
path = sys.argv[1]
def closed():
    with open(path, "rb") as f: head = f.read(12)
    return len(head) == 12 and head[11] == 0
f = h5py.File(path, "r", libver="latest", swmr=True)
d, size = f["note"], -1
give_up = time.time() + 60
while time.time() < give_up:
    done = closed()
    d.refresh()
    if d.shape[0] != size:
        size = d.shape[0]
        print(json.dumps({"size": size, "values": list(d.asstr()[:])}), flush=True)
    if done: break
    time.sleep(0.02)
print(json.dumps({"dtype": d.dtype.str, "values": list(d.asstr()[:])}))`,
      file,
    ],
    { test: t },
  );
  for (let i = 0; i < 10; i++) log(i);
  const seen = await follower.waitFor((l) => typeof l.size === "number" && l.size >= 10, "h5py saw the first 10 strings");
  assert.deepEqual(seen.values, logged.slice(0, 10));
  for (let i = 10; i < 20; i++) {
    log(i);
    await sleep(10);
  }
  logger.close();
  const { code, stderr } = await follower.exited;
  assert.equal(code, 0, stderr);
  const report = follower.lines.at(-1) as { values: string[]; dtype: string };
  assert.deepEqual(report.values, logged);
  assert.equal(report.dtype, "|S16");
});
