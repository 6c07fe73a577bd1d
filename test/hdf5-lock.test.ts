/**
 * HDF5 programs see our writer the way they see h5py's: until concurrent readers are on, the
 * writer holds HDF5's file lock (flock), so an h5py reader gets "unable to lock file" — the
 * error HDF5 readers retry on — and an h5py writer is refused; from the moment the file
 * appears under its name it is either locked or open for SWMR reading.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
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

/** This process's children running the lock holder (src/recovery/lock-holder.ts). */
function lockHolders(parent: number): number[] {
  const ps = spawnSync("ps", ["-o", "pid=,args=", "--ppid", String(parent)], { encoding: "utf8" });
  return ps.stdout
    .split("\n")
    .filter((l) => l.includes("lock-holder.js"))
    .map((l) => Number.parseInt(l, 10));
}

test("once this process is large, the locks of many writers and readers are held by one small child, so that it is never forked for a lock", (t) => {
  const dir = tempDir(t);
  const ballast = Buffer.alloc(200 * 2 ** 20, 1); // resident: past os-lock.ts's bound for forking
  t.after(() => ballast.fill(0));
  const writers = ["a", "b", "c"].map((n) => new H5Logger(path.join(dir, `${n}.h5`)));
  for (const w of writers) w.log("x", 1);
  writers[0]?.close();
  using reader = H5Logger.openSync(path.join(dir, "a.h5"));
  assert.equal(reader.get("x").length, 1);
  for (const w of writers) w.close();
  assert.equal(lockHolders(process.pid).length, 1);
});

test("a writer killed with SIGKILL takes its HDF5 lock with it: the child holding it exits, and h5py meets no lock", async (t) => {
  if (!have(t, "h5py")) return;
  const dir = tempDir(t);
  const holder = startNode(fixture("hold_writer"), ["killed.h5", "large"], { test: t, stdin: true, cwd: dir });
  const { pid } = await holder.waitFor((l) => l.ready === true, "the writer opened the file");
  const [child] = lockHolders(pid as number);
  assert.ok(child, "the writer's lock holder runs");
  holder.process.kill("SIGKILL");
  await holder.exited;
  // Its stdin closed with its parent: it ends by itself (the wait is for that event, bounded).
  const deadline = Date.now() + 60_000;
  while (alive(child)) {
    assert.ok(Date.now() < deadline, "the lock holder outlived its writer by a minute");
    await sleep(20);
  }
  const py = startProcess(PYTHON, ["-c", H5PY_OPEN, "killed.h5"], { test: t, cwd: dir });
  await py.exited;
  assert.doesNotMatch(JSON.stringify(py.lines[0]), /unable to lock file/);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
