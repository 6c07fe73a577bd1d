/**
 * A run read by other HDF5 readers: h5py through the run's index.h5 (with swmr=True, also
 * while the writers write), and xarray + h5netcdf + dask opening every writer's file as one
 * labelled dataset with the README's recipe. Debian's python3-h5py, python3-xarray and
 * python3-h5netcdf are the oracles; writers are test/fixtures/run_writer.ts processes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { H5Logger } from "../src/index.js";
import { type Child, startNode } from "./helpers/child.js";
import { have, PYTHON, python, REQUIRE_INTEROP, tempDir } from "./helpers/interop.js";
import { fixture, pythonFixture, REPO } from "./helpers/paths.js";

const isEvent = (event: string) => (line: Record<string, unknown>) => line.event === event;

function writer(t: TestContext, cwd: string, args: (string | number)[], stdin = false): Child {
  return startNode(fixture("run_writer"), args.map(String), { test: t, cwd, stdin });
}

/** xarray and h5netcdf (and dask, for open_mfdataset) importable by the h5py Python; else skip, or fail in CI. */
function haveXarray(t: TestContext): boolean {
  if (!have(t, "h5py")) return false;
  const r = spawnSync(PYTHON, ["-c", "import xarray, h5netcdf, dask"]);
  if (r.status === 0) return true;
  const why = `${PYTHON} cannot import xarray, h5netcdf and dask (apt install python3-xarray python3-h5netcdf python3-dask)`;
  if (REQUIRE_INTEROP) assert.fail(`${why} and H5LOGGER_REQUIRE_INTEROP=1`);
  t.skip(why);
  return false;
}

test("h5py reads every writer of a run through index.h5 with swmr=True, also while the writers write", async (t) => {
  if (!have(t, "h5py")) return;
  const cwd = tempDir(t);
  const closed = writer(t, cwd, ["exp", "w0", 1, "plain", 5000]);
  assert.equal((await closed.exited).code, 0);
  const swmr = writer(t, cwd, ["exp", "w1", 2, "swmr", "stop-paced", 30], true);
  const plain = writer(t, cwd, ["exp", "w2", 3, "plain", "stop-paced", 30], true);
  for (const w of [swmr, plain]) await w.waitFor(isEvent("rows"), "rows logged");
  // Run from another folder: HDF5 finds the writers' files beside the index, not in the working directory.
  const index = path.join(cwd, "exp", "index.h5");
  const read = (...args: string[]) => {
    const r = spawnSync(PYTHON, [pythonFixture("run_index_reader"), index, ...args], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const live = read("w1", "w0", "w2");
  assert.ok(live.growing.later > live.growing.first, `w1/loss grew while h5py followed it: ${JSON.stringify(live.growing)}`);
  assert.equal(live.growing.exact, true, "every row h5py read through the index is the one logged");
  assert.equal(live.others.w0, 5000, "a closed writer's series");
  assert.match(
    String(live.others.w2),
    /unable to open external file/,
    "a writer without concurrent readers: HDF5 refuses its file until it closes",
  );
  const plainOpen = read("--without-swmr", "w0", "w1");
  assert.equal(plainOpen.without_swmr.w0, 5000);
  assert.match(
    String(plainOpen.without_swmr.w1),
    /unable to open external file/,
    "without swmr=True, a file being written with SWMR is refused",
  );

  swmr.send("stop\n");
  plain.send("stop\n");
  const rows = [5000, (await swmr.waitFor(isEvent("closed"))).rows, (await plain.waitFor(isEvent("closed"))).rows];
  const after = python<Record<string, [number, boolean]>>(
    `import sys, json, h5py, numpy as np
out = {}
for swmr in (True, False):
    with h5py.File(sys.argv[1], "r", swmr=swmr) as f:
        for w in f:
            v = f[w]["loss"][:]
            out[f"{w} {swmr}"] = [len(v), bool((v == np.round(v[0] / 1e6) * 1e6 + np.arange(len(v))).all())]
print(json.dumps(out))`,
    index,
  );
  assert.deepEqual(after, {
    "w0 True": [rows[0], true],
    "w1 True": [rows[1], true],
    "w2 True": [rows[2], true],
    "w0 False": [rows[0], true],
    "w1 False": [rows[1], true],
    "w2 False": [rows[2], true],
  });
});

/** The README's recipe (section "Runs"), run as written, then what the test compares. */
const XARRAY_RECIPE = `
import glob, os
import xarray as xr

def by_step(name):
    # Today's files give a series and its step column phony dimensions: make the steps its coordinate.
    def pick(ds):
        return ds[[name]].rename({ds[name].dims[0]: "step"}).assign_coords(step=ds[name + ".step"].values)
    return pick

files = sorted(f for f in glob.glob("runs/exp1/*.h5") if os.path.basename(f) != "index.h5")
ds = xr.open_mfdataset(files, engine="h5netcdf", phony_dims="access", preprocess=by_step("loss"),
                       combine="nested", concat_dim="writer", join="outer")
ds = ds.assign_coords(writer=[os.path.basename(f)[:-3] for f in files])
mean = ds["loss"].mean("writer")  # per step across writers, NaNs skipped; dask computes it lazily
`;

test("xarray (h5netcdf, dask) opens every writer of a run as one dataset along a writer dimension, aligned on step", async (t) => {
  if (!haveXarray(t)) return;
  const cwd = tempDir(t);
  const run = path.join("runs", "exp1");
  const lengths = [3000, 4500, 2000];
  const children = lengths.map((rows, k) => writer(t, cwd, [run, `w${k}`, k + 1, k === 1 ? "swmr" : "plain", rows]));
  for (const c of children) assert.equal((await c.exited).code, 0, c.stderr());
  const script = path.join(cwd, "recipe.py");
  fs.writeFileSync(
    script,
    `${XARRAY_RECIPE}
import json, math
print(json.dumps({
    "dims": dict(ds.sizes),
    "writers": [str(w) for w in ds["writer"].values],
    "steps": [int(s) for s in ds["step"].values],
    "loss": [[None if math.isnan(x) else x for x in row] for row in ds["loss"].values.tolist()],
    "mean": mean.values.tolist(),
    "lazy": type(ds["loss"].data).__module__.startswith("dask"),
}))`,
  );
  const r = spawnSync(PYTHON, [script], { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.deepEqual(got.dims, { writer: 3, step: 4500 });
  assert.deepEqual(got.writers, ["w0", "w1", "w2"]);
  assert.equal(got.lazy, true, "dask arrays: each writer's file is read when computed, in parallel");
  assert.deepEqual(
    got.steps,
    Array.from({ length: 4500 }, (_, i) => i),
  );
  lengths.forEach((rows, k) => {
    const expected = Array.from({ length: 4500 }, (_, i) => (i < rows ? (k + 1) * 1e6 + i : null));
    assert.deepEqual(got.loss[k], expected, `writer w${k}'s row in the dataset`);
  });
  // The same per-step mean as the run reader's aggregate (integers: every summation order is exact).
  using reader = await H5Logger.openRun(path.join(cwd, run));
  assert.deepEqual(got.mean, [...reader.aggregate("loss").mean]);
});
