/**
 * Step and time companions as HDF5 dimension scales (issue 14), checked through the readers
 * other programs use: h5py's `dims`, xarray with the h5netcdf engine (Debian's 2023.01 and
 * 1.1), h5ls, our reader and the command line. Also files written before scales existed: they
 * get them when appended to. Expected values are the rows logged here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { have, python, run, tempDir } from "./helpers/interop.js";
import { CLI, REPO } from "./helpers/paths.js";
import { refuses } from "./helpers/refuses.js";

/** h5py's view of the scales: each dataset's scales per axis, and whether it is a scale. */
function h5pyDims(file: string): Record<string, { dims: string[][]; scale: boolean; attrs: string[] }> {
  return python(
    `
import sys, json, h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = {"dims": [[s.name[1:] for s in d.values()] for d in obj.dims],
                         "scale": h5py.h5ds.is_scale(obj.id), "attrs": sorted(obj.attrs.keys())}
    f.visititems(visit)
print(json.dumps(out))`,
    file,
  );
}

/** What xarray (h5netcdf engine) makes of a group: each variable's dimensions, the coordinates, and some values. */
function xarrayOpen(file: string, group: string | null, phony: boolean) {
  return python<{ dims: Record<string, string[]>; coords: string[]; values: Record<string, unknown[]>; types: Record<string, string> }>(
    `
import sys, json, xarray as xr
group = sys.argv[2] or None
kw = {"phony_dims": "sort"} if sys.argv[3] == "1" else {}
with xr.open_dataset(sys.argv[1], engine="h5netcdf", group=group, **kw) as ds:
    names = list(ds.variables)
    print(json.dumps({
        "dims": {n: list(ds[n].dims) for n in names},
        "coords": sorted(ds.coords),
        "types": {n: str(ds[n].dtype) for n in names},
        "values": {n: [str(v) for v in ds[n].values.ravel()[:4]] for n in names},
    }))`,
    file,
    group ?? "",
    phony ? "1" : "0",
  );
}

test("steps, else times, label the rows of a series of scalars for h5py, xarray and our reader", (t) => {
  const file = path.join(tempDir(t), "scales.h5");
  const logger = new H5Logger(file, { datasets: { clock: { dtype: "float64", shape: [] } } });
  for (let i = 0; i < 3; i++) {
    logger.log("loss", 1 / (i + 1), { step: 10 * i });
    logger.log("train/acc", i / 4, { step: 10 * i });
    logger.log("plain", i);
    logger.log("img", { data: Uint8Array.of(i, i, i, i), shape: [2, 2] }, { step: 10 * i });
    logger.log("note", `n${i}`, { step: 10 * i });
  }
  logger.close();
  const timed = path.join(path.dirname(file), "timed.h5");
  const both = new H5Logger(timed, { timestamps: true });
  for (let i = 0; i < 3; i++) both.log("x", i, i === 0 ? { step: 5 } : {});
  both.log("y", 1);
  both.close();

  const reader = H5Logger.openSync(file);
  assert.deepEqual(reader.get("loss").scales, ["loss.step"]);
  assert.deepEqual(reader.get("train/acc").scales, ["train/acc.step"]);
  assert.deepEqual(reader.get("note").scales, ["note.step"]);
  assert.deepEqual(reader.get("plain").scales, [null]);
  // Rows that are arrays get no scale (h5netcdf refuses a dataset with scales on some axes only).
  assert.deepEqual(reader.get("img").scales, [null, null, null]);
  assert.equal(reader.get("loss.step").isScale, true);
  assert.equal(reader.get("img.step").isScale, false);
  assert.equal(reader.get("loss").isScale, false);
  // HDF5's bookkeeping attributes are not user attributes.
  assert.deepEqual(reader.get("loss").attrs, {});
  assert.deepEqual(reader.get("loss.step").attrs, {});
  assert.deepEqual(Array.from(reader.get("loss.step").value as BigInt64Array), [0n, 10n, 20n]);
  reader.close();
  const timedReader = H5Logger.openSync(timed);
  assert.deepEqual(timedReader.get("x").scales, ["x.step"]);
  assert.deepEqual(timedReader.get("x.time").scales, ["x.step"]);
  assert.deepEqual(timedReader.get("y").scales, ["y.time"]);
  assert.deepEqual(timedReader.get("y.time").attrs, { units: "seconds since 1970-01-01T00:00:00Z" });
  timedReader.close();

  if (!have(t, "h5py")) return;
  const dims = h5pyDims(file);
  assert.deepEqual(dims.loss, { dims: [["loss.step"]], scale: false, attrs: ["DIMENSION_LIST"] });
  assert.deepEqual(dims["loss.step"], { dims: [[]], scale: true, attrs: ["CLASS", "NAME", "REFERENCE_LIST"] });
  assert.deepEqual(dims["train/acc"].dims, [["train/acc.step"]]);
  assert.deepEqual(dims.img.dims, [[], [], []]);
  assert.equal(dims["img.step"].scale, false);
  assert.deepEqual(dims.plain.dims, [[]]);
  const timedDims = h5pyDims(timed);
  assert.deepEqual(timedDims["x.time"].dims, [["x.step"]]);
  assert.deepEqual(timedDims.y.dims, [["y.time"]]);
  assert.equal(timedDims["y.time"].scale, true);

  if (!have(t, "xarray")) return;
  const root = xarrayOpen(file, null, true);
  assert.deepEqual(root.dims.loss, ["loss.step"]);
  assert.deepEqual(root.dims.note, ["note.step"]);
  assert.deepEqual(root.coords, ["loss.step", "note.step"]);
  assert.deepEqual(root.values["loss.step"], ["0", "10", "20"]);
  assert.deepEqual(root.values.loss, ["1.0", "0.5", "0.3333333333333333"]);
  const train = xarrayOpen(file, "train", false);
  assert.deepEqual(train.dims, { acc: ["acc.step"], "acc.step": ["acc.step"] });
  assert.deepEqual(train.values.acc, ["0.0", "0.25", "0.5"]);
  // Every dataset has a scale: no phony dimensions needed; times decoded as dates from their units.
  const dated = xarrayOpen(timed, null, false);
  assert.deepEqual(dated.dims, { x: ["x.step"], "x.step": ["x.step"], "x.time": ["x.step"], y: ["y.time"], "y.time": ["y.time"] });
  assert.equal(dated.types["y.time"], "datetime64[ns]");
  assert.equal(dated.types["x.time"], "datetime64[ns]");
});

test("a step column added to a declared dataset whose time was its scale takes over as the scale", (t) => {
  const file = path.join(tempDir(t), "takeover.h5");
  const logger = new H5Logger(file, { timestamps: true, datasets: { x: { dtype: "float64", shape: [] } } });
  logger.log("x", 1, { step: 7 });
  logger.close();
  const reader = H5Logger.openSync(file);
  assert.deepEqual(reader.get("x").scales, ["x.step"]);
  assert.deepEqual(reader.get("x.time").scales, ["x.step"]);
  assert.equal(reader.get("x.time").isScale, false);
  reader.close();
  if (!have(t, "h5py")) return;
  const dims = h5pyDims(file);
  assert.deepEqual(dims.x.dims, [["x.step"]]);
  assert.deepEqual(dims["x.time"], { dims: [["x.step"]], scale: false, attrs: ["DIMENSION_LIST", "units"] });
});

test("a file written before scales: appended to, it gets them, keeps its chunks, and reads back whole", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "before.h5");
  fs.copyFileSync(path.join(REPO, "test", "fixtures", "files", "before-format.h5"), file);
  const old = H5Logger.openSync(file);
  assert.deepEqual(old.get("loss").scales, [null], "the fixture already has scales");
  old.close();
  const logger = new H5Logger(file, { steps: true, timestamps: true });
  logger.step = 30;
  logger.log("loss", 0.2);
  logger.log("train/acc", 0.75);
  logger.log("note", "row 3");
  logger.log("flag", false);
  logger.log("img", { data: Float32Array.of(3, 3.5, 4, 4.5, 5, 5.5), shape: [2, 3] });
  logger.close();

  const reader = H5Logger.openSync(file);
  assert.deepEqual(Array.from(reader.get("loss").value as Float64Array), [1, 0.5, 1 / 3, 0.2]);
  assert.deepEqual(Array.from(reader.get("loss.step").value as BigInt64Array), [0n, 10n, 20n, 30n]);
  assert.deepEqual(reader.get("note").value, ["row 0", "row 1", "row 2", "row 3"]);
  assert.deepEqual(reader.get("flag").value, [true, false, true, false]);
  assert.deepEqual(Array.from((reader.get("img").value as Float32Array[])[3] as Float32Array), [3, 3.5, 4, 4.5, 5, 5.5]);
  for (const name of ["loss", "train/acc", "note", "flag"]) {
    assert.deepEqual(reader.get(name).scales, [`${name}.step`], name);
    assert.deepEqual(reader.get(`${name}.time`).scales, [`${name}.step`], `${name}.time`);
  }
  assert.deepEqual(reader.get("img").scales, [null, null, null]);
  assert.equal(reader.get("loss.time").attrs.units, "seconds since 1970-01-01T00:00:00Z");
  reader.close();

  if (!have(t, "h5py")) return;
  const dims = h5pyDims(file);
  assert.deepEqual(dims.loss.dims, [["loss.step"]]);
  assert.deepEqual(dims["train/acc.time"].dims, [["train/acc.step"]]);
  const chunks = python<number[][]>(
    "import sys, json, h5py\nf = h5py.File(sys.argv[1], 'r')\nprint(json.dumps([f['loss'].chunks, f['loss.step'].chunks]))",
    file,
  );
  assert.deepEqual(chunks, [[32], [32]], "the chunks the file was written with (chunkBytes 256)");
  if (have(t, "xarray")) assert.deepEqual(xarrayOpen(file, "train", false).dims.acc, ["acc.step"]);
  if (have(t, "h5ls")) assert.equal(run("h5ls", "-r", file).status, 0);
});

test("scales are in place before concurrent readers come on, also for existing datasets", (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "swmr.h5");
  fs.copyFileSync(path.join(REPO, "test", "fixtures", "files", "before-format.h5"), file);
  const logger = new H5Logger(file, {
    concurrentReaders: true,
    steps: true,
    timestamps: true,
    datasets: { loss: [1, "float"], fresh: { dtype: "float32", shape: [] } },
  });
  logger.log("loss", 0.2);
  logger.log("fresh", 1.5);
  logger.flush();
  if (have(t, "h5py")) {
    const dims = python<string[][]>(
      `
import sys, json, h5py
with h5py.File(sys.argv[1], "r", libver="latest", swmr=True) as f:
    print(json.dumps([[s.name for s in f[n].dims[0].values()] for n in ("loss", "fresh", "fresh.time")]))`,
      file,
    );
    assert.deepEqual(dims, [["/loss.step"], ["/fresh.step"], ["/fresh.step"]]);
  }
  logger.close();
});

test("the command line keeps step and time scales apart from the series", (t) => {
  const file = path.join(tempDir(t), "cli.h5");
  const logger = new H5Logger(file, { timestamps: true });
  for (let i = 0; i < 4; i++) logger.log("loss", i, { step: i });
  logger.log("y", 2);
  logger.close();
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const stats = JSON.parse(cli("stats", file, "--json")) as { name: string }[];
  assert.deepEqual(
    stats.map((s) => s.name),
    ["loss", "y"],
  );
  assert.equal(cli("tail", file, "-n", "1"), "==> loss <==\n3  3\n\n==> y <==\n0  2\n");
  assert.match(cli("export", file, "loss", "--csv"), /^step,loss\n0,0\n1,1\n2,2\n3,3\n$/);
});

test("HDF5's dimension-scale attributes cannot be set by hand", (t) => {
  const logger = new H5Logger(path.join(tempDir(t), "attrs.h5"));
  logger.log("loss", 1, { step: 0 });
  for (const name of ["CLASS", "DIMENSION_LIST", "REFERENCE_LIST"]) {
    refuses(() => logger.setAttrs({ [name]: "x" }, "loss"), "InvalidValue", "loss", new RegExp(`attribute "${name}": the name is HDF5's`));
  }
  logger.setAttrs({ NAME: "free to use" }, "loss");
  logger.close();
});
