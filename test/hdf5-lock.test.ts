/**
 * HDF5 programs see our writer the way they see h5py's: until concurrent readers are on, the
 * writer holds HDF5's file lock (flock), so an h5py reader gets "unable to lock file" — the
 * error HDF5 readers retry on — and an h5py writer is refused; from the moment the file
 * appears under its name it is either locked or open for SWMR reading.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { startNode, startProcess } from "./helpers/child.js";
import { have, PYTHON, tempDir } from "./helpers/interop.js";
import { fixture, pythonFixture } from "./helpers/paths.js";

const ROWS = 200;

for (const mode of ["declared", "enable", "ndatasets"] as const) {
  test(`an h5py reader started before the writer (${mode}) opens the file once readers are let in, retrying only on HDF5's lock error`, async (t) => {
    if (!have(t, "h5py")) return;
    const dir = tempDir(t);
    const reader = startProcess(PYTHON, [pythonFixture("h5py_lock_reader"), "run.h5", "name1", String(ROWS)], { test: t, cwd: dir });
    await reader.waitFor((l) => l.event === "ready", "the reader was ready");
    const writer = startNode(fixture("swmr_writer"), ["run.h5", mode, "paced", "30", "50"], { test: t, cwd: dir });
    const done = await reader.waitFor((l) => l.event === "done", "the reader read its rows");
    writer.process.kill("SIGTERM");
    await writer.exited;
    const { code, stderr } = await reader.exited;
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      done.values,
      Array.from({ length: ROWS }, (_, i) => i * 0.5),
    );
    t.diagnostic(`the reader met the lock ${reader.lines.find((l) => l.event === "opened")?.lockRetries} times`);
  });
}

const H5PY_OPEN = `
import sys, json, h5py
out = {}
for mode in ("r", "a"):
    try:
        h5py.File(sys.argv[1], mode).close()
        out[mode] = "opened"
    except OSError as e:
        out[mode] = str(e)
print(json.dumps(out))
`;

test("while our writer holds a file without concurrent readers, h5py can neither read nor write it (HDF5's lock); once it closes, both can", async (t) => {
  if (!have(t, "h5py")) return;
  const dir = tempDir(t);
  const holder = startNode(fixture("hold_writer"), ["held.h5"], { test: t, stdin: true, cwd: dir });
  await holder.waitFor((l) => l.ready === true, "the writer opened the file");
  const tryOpen = async () => {
    const py = startProcess(PYTHON, ["-c", H5PY_OPEN, "held.h5"], { test: t, cwd: dir });
    const { code, stderr } = await py.exited;
    assert.equal(code, 0, stderr);
    return py.lines[0] as Record<string, string>;
  };
  const held = await tryOpen();
  assert.match(held.r as string, /unable to lock file/, "an h5py reader meets the lock");
  assert.match(held.a as string, /unable to lock file/, "an h5py writer is refused");
  holder.send("close\n");
  await holder.exited;
  assert.deepEqual(await tryOpen(), { r: "opened", a: "opened" });
  using reader = H5Logger.openSync(`${dir}/held.h5`);
  assert.equal(reader.get("x").length, 3);
});
