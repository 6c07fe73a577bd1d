/** The public surface, listed by hand: any change to what h5logger exports shows up here in review. */
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import * as h5logger from "../src/index.js";
import { REPO } from "./helpers/paths.js";

test("the package exports exactly these names", () => {
  assert.deepEqual(Object.keys(h5logger).sort(), [
    "ClosedError",
    "DatasetView",
    "FileError",
    "H5Logger",
    "H5LoggerError",
    "H5Reader",
    "H5Run",
    "HDF5Error",
    "InvalidNameError",
    "InvalidOptionError",
    "InvalidValueError",
    "LockedError",
    "isH5LoggerError",
  ]);
});

/** Own and inherited property names, up to (not including) Function.prototype or Object.prototype. */
function names(object: object): string[] {
  const out = new Set<string>();
  for (let o = object; o !== Function.prototype && o !== Object.prototype && o !== null; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) out.add(n);
  }
  return [...out];
}

test("H5Logger has these static and instance members", () => {
  // The public H5Logger is write/logger.ts's with the run statics (runs/h5logger.ts): count both.
  const statics = names(h5logger.H5Logger).filter((n) => !["length", "name", "prototype"].includes(n));
  assert.deepEqual(statics.sort(), ["inRun", "open", "openRun", "openSync", "recover", "recoverRun"]);
  const members = names(h5logger.H5Logger.prototype).filter((n) => n !== "constructor");
  assert.deepEqual(members.sort(), [
    "close",
    "closeForExit",
    "concurrentReaders",
    "enableConcurrentReaders",
    "flush",
    "log",
    "open",
    "setAttrs",
    "step",
  ]);
});

test("H5Run has these static and instance members", () => {
  const statics = names(h5logger.H5Run).filter((n) => !["length", "name", "prototype"].includes(n));
  assert.deepEqual(statics.sort(), ["isRun", "list", "open"]);
  const members = names(h5logger.H5Run.prototype).filter((n) => n !== "constructor");
  assert.deepEqual(members.sort(), [
    "aggregate",
    "attrs",
    "close",
    "follow",
    "keys",
    "open",
    "reader",
    "refresh",
    "series",
    "status",
    "writers",
  ]);
});

test("the package.json exports map points at the built entry and its types", async () => {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(path.join(REPO, "package.json"), "utf8"));
  assert.equal(pkg.name, "h5logger");
  assert.equal(pkg.type, "module");
  assert.deepEqual(pkg.exports["."], { types: "./dist/index.d.ts", import: "./dist/index.js", require: "./dist/require.cjs" });
  assert.equal(pkg.bin.h5logger, "./dist/cli/main.js");
  // h5wasm, and uPlot for the viewer's charts (small, made for large time series).
  assert.deepEqual(Object.keys(pkg.dependencies), ["h5wasm", "uplot"]);
});
