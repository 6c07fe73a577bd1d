/**
 * Shared test helpers: temp dirs that clean up, and the independent readers (h5py, h5ls,
 * h5dump, h5clear) that serve as oracles. A test that needs a missing tool skips with a
 * visible message, or fails when H5LOGGER_REQUIRE_INTEROP=1 (as in CI).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { clearConsistencyFlags } from "../../src/recovery/superblock.js";

/** Plain `python3` on PATH may lack h5py (pyenv here); Debian's has it. */
export const PYTHON = process.env.H5LOGGER_PYTHON ?? "/usr/bin/python3";
export const REQUIRE_INTEROP = process.env.H5LOGGER_REQUIRE_INTEROP === "1";

export type Tool = "h5py" | "xarray" | "h5ls" | "h5dump" | "h5clear";
const probes: Record<Tool, () => boolean> = {
  h5py: () => spawnSync(PYTHON, ["-c", "import h5py"]).status === 0,
  xarray: () => spawnSync(PYTHON, ["-c", "import xarray, h5netcdf"]).status === 0,
  h5ls: () => spawnSync("h5ls", ["--version"]).status === 0,
  h5dump: () => spawnSync("h5dump", ["--version"]).status === 0,
  h5clear: () => spawnSync("h5clear", ["--version"]).status === 0,
};
const found = new Map<Tool, boolean>();

/** True when all tools exist; otherwise skips the test visibly (or fails it when interop is required). */
export function have(t: TestContext, ...tools: Tool[]): boolean {
  for (const tool of tools) {
    if (!found.has(tool)) found.set(tool, probes[tool]());
    if (!found.get(tool)) {
      const why = `${tool} not found: ${
        tool === "h5py" || tool === "xarray"
          ? `${PYTHON} cannot import ${tool === "xarray" ? "xarray and h5netcdf (python3-xarray, python3-h5netcdf)" : "h5py"} (set H5LOGGER_PYTHON)`
          : `${tool} is not on PATH (install hdf5-tools)`
      }`;
      if (REQUIRE_INTEROP) assert.fail(`${why} and H5LOGGER_REQUIRE_INTEROP=1`);
      t.skip(why);
      return false;
    }
  }
  return true;
}

/** A fresh temp dir, removed when the test ends. */
export function tempDir(t: TestContext, prefix = "h5logger-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Work in a fresh temp folder for this test, as a user works in their project folder: the
 * process's working directory moves there until the test ends. Returns "." so that
 * `path.join(dir, "run.h5")` gives the relative name a user would type.
 */
export function tempCwd(t: TestContext, prefix = "h5logger-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const before = process.cwd();
  process.chdir(dir);
  t.after(() => {
    process.chdir(before);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return ".";
}

/** Run Python code with h5py; returns stdout parsed as JSON. Fails the test on a non-zero exit. */
export function python<T = unknown>(code: string, ...args: string[]): T {
  const r = spawnSync(PYTHON, ["-c", code, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** SHA-256 of a file's bytes, to prove a file was left untouched. */
export function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** What h5py reports about one dataset; values decoded by {@link h5pyRead}. */
export interface H5pyDataset {
  /** numpy's dtype string: `<f8`, `|u1`, `|O`, `|b1`... */
  dtype: string;
  shape: number[];
  /** `null` for an unlimited axis. */
  maxshape: (number | null)[];
  chunks: number[] | null;
  /** For `|O` datasets: h5py's string info, e.g. `{ encoding: "utf-8", length: null }`. */
  string: { encoding: string; length: number | null } | null;
  /** Floats as numbers (NaN, ±Infinity and -0 exact), integers as bigints, bools as booleans, strings decoded as UTF-8. */
  value: unknown;
  attrs: Record<string, unknown>;
}

/** Everything in a file as h5py sees it. */
export interface H5pyFile {
  attrs: Record<string, unknown>;
  datasets: Record<string, H5pyDataset>;
  /** Every group's path (without the leading slash), root excluded. */
  groups: string[];
}

// Values cross as JSON: floats as numbers except NaN/±Infinity/-0 (strings), integers always
// as decimal strings (int64/uint64 extremes do not fit a double), strings decoded as UTF-8.
const H5PY_DUMP = `
import sys, json, math, h5py, numpy as np

def enc_scalar(kind, x):
    if kind == "f":
        x = float(x)
        if math.isnan(x): return "NaN"
        if math.isinf(x): return "Infinity" if x > 0 else "-Infinity"
        if x == 0 and math.copysign(1.0, x) < 0: return "-0"
        return x
    if kind in "iu": return str(int(x))
    if kind == "b": return bool(x)
    if isinstance(x, bytes): return {"bytes": x.decode("utf-8")}
    return {"str": str(x)}

def enc(value):
    a = np.asarray(value)
    kind = a.dtype.kind
    def walk(v):
        return [walk(i) for i in v] if isinstance(v, list) else enc_scalar(kind, v)
    return {"kind": kind, "value": walk(a.tolist())}

def attrs(obj):
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, bytes): out[k] = {"kind": "S", "value": {"bytes": v.decode("utf-8")}}
        elif isinstance(v, str): out[k] = {"kind": "U", "value": {"str": v}}
        else: out[k] = enc(v)
    return out

datasets, groups = {}, []
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Group):
            groups.append(name)
            return
        info = h5py.check_string_dtype(obj.dtype)
        datasets[name] = {
            "dtype": obj.dtype.str,
            "shape": list(obj.shape),
            "maxshape": list(obj.maxshape) if obj.maxshape is not None else None,
            "chunks": list(obj.chunks) if obj.chunks else None,
            "string": {"encoding": info.encoding, "length": info.length} if info else None,
            "value": enc(obj[()]),
            "attrs": attrs(obj),
        }
    f.visititems(visit)
    print(json.dumps({"attrs": attrs(f), "datasets": datasets, "groups": sorted(groups)}))
`;

type Encoded = { kind: string; value: unknown };

function decode({ kind, value }: Encoded): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (kind === "f") {
      if (typeof v === "number") return v;
      return { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY, "-0": -0 }[v as string];
    }
    if (kind === "i" || kind === "u") return BigInt(v as string);
    if (kind === "b") return v;
    const s = v as { bytes?: string; str?: string };
    return s.bytes ?? s.str;
  };
  return walk(value);
}

function decodeAttrs(attrs: Record<string, Encoded>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, decode(v)]));
}

/**
 * Read a whole file with h5py (the independent oracle) in a fresh Python process. Values are
 * exact: floats as numbers (NaN, ±Infinity, -0 preserved), integers as bigints, strings as
 * UTF-8-decoded strings; dataset names are full paths without the leading slash.
 */
export function h5pyRead(file: string): H5pyFile {
  const raw = python<{
    attrs: Record<string, Encoded>;
    groups: string[];
    datasets: Record<string, Omit<H5pyDataset, "value" | "attrs"> & { value: Encoded; attrs: Record<string, Encoded> }>;
  }>(H5PY_DUMP, file);
  const datasets: Record<string, H5pyDataset> = {};
  for (const [name, d] of Object.entries(raw.datasets)) datasets[name] = { ...d, value: decode(d.value), attrs: decodeAttrs(d.attrs) };
  return { attrs: decodeAttrs(raw.attrs), datasets, groups: raw.groups };
}

/** Just the values of every dataset, by path: the shape most tests compare against. */
export function h5pyValues(file: string): Record<string, unknown> {
  const { datasets } = h5pyRead(file);
  return Object.fromEntries(Object.entries(datasets).map(([name, d]) => [name, d.value]));
}

/** Run a command-line tool; returns its exit status and output. */
export function run(command: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A copy of `file` (which a writer may still hold open) with its superblock's "open for write"
 * flags cleared, so that h5py can open it: shows exactly what has reached the disk so far.
 */
export function snapshot(file: string, dir: string): string {
  const copy = path.join(dir, `snapshot-${Date.now()}-${Math.random().toString(36).slice(2)}.h5`);
  fs.copyFileSync(file, copy);
  clearConsistencyFlags(copy);
  return copy;
}
