/**
 * Unit tests of src/names.ts: which dataset names are accepted and their canonical form.
 * Pure: no HDF5.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isH5LoggerError } from "../src/model/errors.js";
import { canonicalName, hdf5Path, STEP_SUFFIX, TIME_SUFFIX } from "../src/model/names.js";

function refused(name: unknown, message: RegExp): void {
  assert.throws(
    () => canonicalName(name),
    (err: unknown) => {
      assert.ok(isH5LoggerError(err, "InvalidName"), `not an InvalidName error: ${err}`);
      assert.equal((err as { dataset?: string }).dataset, String(name));
      assert.match(err.message, message);
      return true;
    },
  );
}

test("plain names and paths are kept", () => {
  assert.equal(canonicalName("loss"), "loss");
  assert.equal(canonicalName("train/loss"), "train/loss");
  assert.equal(canonicalName("a/b/c/d"), "a/b/c/d");
  assert.equal(canonicalName("über/λ 1"), "über/λ 1");
  assert.equal(canonicalName("x.steps"), "x.steps"); // only the exact suffixes are reserved
  assert.equal(canonicalName("run.step/loss"), "run.step/loss"); // a group may end in .step
  assert.equal(canonicalName("..."), "...");
  assert.equal(canonicalName(".hidden"), ".hidden");
});

test("a leading / is accepted and dropped, as h5py accepts absolute paths", () => {
  assert.equal(canonicalName("/loss"), "loss");
  assert.equal(canonicalName("/train/loss"), "train/loss");
});

test("empty names are refused", () => {
  refused("", /^dataset name "": is empty$/);
  refused("/", /^dataset name "\/": is empty$/);
});

test("empty segments are refused: doubled, trailing or leading-after-root slashes", () => {
  refused("a//b", /^dataset name "a\/\/b": has an empty segment/);
  refused("a/", /^dataset name "a\/": has an empty segment/);
  refused("//a", /^dataset name "\/\/a": has an empty segment/);
});

test("'.' and '..' segments are refused", () => {
  refused(".", /has a '\.' segment; names are plain paths/);
  refused("..", /has a '\.\.' segment/);
  refused("a/./b", /^dataset name "a\/\.\/b": has a '\.' segment/);
  refused("a/../b", /^dataset name "a\/\.\.\/b": has a '\.\.' segment/);
  refused("../a", /has a '\.\.' segment/);
  refused("a/..", /has a '\.\.' segment/);
});

test("NUL is refused", () => {
  refused("a\0b", /contains a NUL character/);
});

test("the .step and .time suffixes are reserved for companion datasets", () => {
  assert.equal(STEP_SUFFIX, ".step");
  assert.equal(TIME_SUFFIX, ".time");
  refused("loss.step", /^dataset name "loss\.step": ends in '\.step' or '\.time', which are reserved/);
  refused("train/loss.time", /reserved for step and time companion datasets/);
  refused(".step", /reserved/);
});

test("non-strings are refused", () => {
  refused(5, /^dataset name "5": must be a string, got 5$/);
  refused(undefined, /must be a string, got undefined/);
  refused(null, /must be a string, got null/);
  refused(Symbol.iterator, /must be a string, got a symbol/);
});

test("hdf5Path roots a canonical name", () => {
  assert.equal(hdf5Path("loss"), "/loss");
  assert.equal(hdf5Path("train/loss"), "/train/loss");
});
