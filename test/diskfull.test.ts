/**
 * A full disk and a file size limit (issue 5): log/flush raise a clear error, the logger
 * refuses further calls, close() still works, everything flushed before stays readable after
 * recovery, no row in the file is wrong, and the process goes on writing other files.
 *
 * The disk is a 2 MB tmpfs (needs root: CI runs as root); without one the test skips and
 * says why. The file size limit is RLIMIT_FSIZE (`ulimit -f` in a child shell), which works
 * anywhere.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { H5Logger } from "../src/index.js";
import { startProcess } from "./helpers/child.js";
import { have, python, tempDir } from "./helpers/interop.js";
import { fixture } from "./helpers/paths.js";

// h5py checks every row in place (the values themselves would not fit through a pipe quickly).
const H5PY_CHECK = String.raw`
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    x, v, steps = f["x"][()], f["v"][()], f["x.step"][()]
    ok = np.array_equal(x, np.arange(len(x))) and np.array_equal(steps, np.arange(len(steps))) and \
        np.array_equal(v, np.arange(len(v))[:, None] * 1000 + np.arange(100)[None, :])
    print(json.dumps({"rows": len(x), "ok": bool(ok)}))
`;

interface Outcome {
  logged: number;
  flushed: number;
  error: { name: string; message: string } | null;
  refused: ({ name: string; message: string } | null)[];
  closeError: { name: string; message: string } | null;
  closedTwice: boolean;
  otherOk: boolean;
}

/** A 2 MB tmpfs, unmounted and removed when the test ends; or why there is none. */
function smallDisk(t: TestContext): { dir: string } | { why: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-disk-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", dir], { encoding: "utf8" });
  if (mounted.status !== 0) {
    fs.rmdirSync(dir);
    return { why: `cannot mount a small tmpfs (${(mounted.stderr || String(mounted.error)).trim()}); run as root to test a full disk` };
  }
  t.after(() => {
    spawnSync("umount", [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}

/** Run the fixture (optionally under `ulimit -f`) and return what it printed. */
async function fill(script: string, file: string, other: string, mode: string, ulimitKiB?: number): Promise<Outcome> {
  const [command, args] =
    ulimitKiB === undefined
      ? [process.execPath, [script, file, other, mode]]
      : ["bash", ["-c", `ulimit -f ${ulimitKiB} && exec "$0" "$@"`, process.execPath, script, file, other, mode]];
  const child = startProcess(command, args);
  const { code, stderr } = await child.exited;
  assert.equal(code, 0, `the writer crashed instead of reporting an error: ${stderr}`);
  return child.lines.at(-1) as unknown as Outcome;
}

/** After recovery, every row in the file is exact and every flushed row is there. */
function checkFile(t: TestContext, file: string, flushed: number): { rows: number; zeroFilled: number } {
  const { zeroFilled } = H5Logger.recover(file);
  using reader = H5Logger.openSync(file);
  const x = reader.get("x").value as Float64Array;
  const v = reader.get("v").value as Float64Array[];
  const steps = reader.get("x.step").value as BigInt64Array;
  for (const [name, length] of [
    ["x", x.length],
    ["v", v.length],
    ["x.step", steps.length],
  ] as const) {
    assert.ok(length >= flushed, `${name} has ${length} rows; ${flushed} were flushed before the disk filled up`);
  }
  for (const [i, value] of x.entries()) assert.equal(value, i, `x[${i}]`);
  for (const [i, value] of steps.entries()) assert.equal(value, BigInt(i), `x.step[${i}]`);
  for (const [i, row] of v.entries())
    assert.ok(
      row.every((value, k) => value === i * 1000 + k),
      `v[${i}]`,
    );
  if (have(t, "h5py")) assert.deepEqual(python(H5PY_CHECK, file), { rows: x.length, ok: true });
  return { rows: x.length, zeroFilled };
}

function checkOutcome(outcome: Outcome, reason: RegExp): void {
  assert.ok(outcome.error, `log/flush must throw when the space runs out (logged ${outcome.logged} rows)`);
  assert.equal(outcome.error.name, "H5LoggerHDF5Error");
  assert.match(outcome.error.message, reason, "the message says what ran out");
  assert.match(outcome.error.message, /keeps exactly the rows of the last successful flush/);
  for (const refusal of outcome.refused) assert.match(refusal?.message ?? "no error", /stopped after an error/, "later calls are refused");
  assert.equal(outcome.closedTwice, true, "close() works, twice");
  assert.equal(outcome.otherOk, true, "the same process still writes other files correctly");
}

test("disk full (2 MB tmpfs): a clear error, flushed rows kept and exact, close() works, the process goes on", async (t) => {
  const disk = smallDisk(t);
  if ("why" in disk) return t.skip(disk.why);
  const script = fixture("fill_disk");
  const file = path.join(disk.dir, "full.h5");
  const outcome = await fill(script, file, path.join(tempDir(t), "other.h5"), "flush");
  checkOutcome(outcome, /disk is full \(No space left on device\)/);
  const { rows, zeroFilled } = checkFile(t, file, outcome.flushed);
  t.diagnostic(
    `filled up after ${outcome.logged} rows; ${outcome.flushed} flushed; ${rows} in the file, all exact; recovery zero-filled ${zeroFilled} bytes`,
  );
});

test("disk full while the timer flushes: the next call or close() reports it, never silence", async (t) => {
  const disk = smallDisk(t);
  if ("why" in disk) return t.skip(disk.why);
  const script = fixture("fill_disk");
  const file = path.join(disk.dir, "timer.h5");
  const outcome = await fill(script, file, path.join(tempDir(t), "other.h5"), "timer");
  const reported = outcome.error ?? outcome.closeError;
  assert.ok(reported, `${outcome.logged} rows logged on a 2 MB disk and nothing reported the failure`);
  assert.match(reported.message, /disk is full/);
  assert.equal(outcome.otherOk, true);
  checkFile(t, file, 0);
});

test("file size limit (RLIMIT_FSIZE via ulimit -f): a clear error, flushed rows kept and exact, close() works", async (t) => {
  if (spawnSync("bash", ["-c", "ulimit -f 1"]).status !== 0) return t.skip("no bash with ulimit to set a file size limit");
  const script = fixture("fill_disk");
  const file = path.join(tempDir(t), "limited.h5");
  const outcome = await fill(script, file, path.join(tempDir(t), "other.h5"), "flush", 2048);
  checkOutcome(outcome, /largest size this process or file system allows \(File too large\)/);
  const { rows, zeroFilled } = checkFile(t, file, outcome.flushed);
  t.diagnostic(
    `hit the limit after ${outcome.logged} rows; ${outcome.flushed} flushed; ${rows} in the file, all exact; recovery zero-filled ${zeroFilled} bytes`,
  );
});
