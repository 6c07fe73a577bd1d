/**
 * Shared test helpers: temp dirs that clean up, and the independent readers (h5py, h5ls,
 * h5dump, h5clear) that serve as oracles. A test that needs a missing tool skips with a
 * visible message, or fails when H5LOGGER_REQUIRE_INTEROP=1 (as in CI).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";

/** Plain `python3` on PATH may lack h5py (pyenv here); Debian's has it. */
export const PYTHON = process.env.H5LOGGER_PYTHON ?? "/usr/bin/python3";
export const REQUIRE_INTEROP = process.env.H5LOGGER_REQUIRE_INTEROP === "1";

export type Tool = "h5py" | "h5ls" | "h5dump" | "h5clear";
const probes: Record<Tool, () => boolean> = {
  h5py: () => spawnSync(PYTHON, ["-c", "import h5py"]).status === 0,
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
      const why = `${tool} not found: ${tool === "h5py" ? `${PYTHON} cannot import h5py (set H5LOGGER_PYTHON)` : `${tool} is not on PATH (install hdf5-tools)`}`;
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

/** Run Python code with h5py; returns stdout parsed as JSON. Fails the test on a non-zero exit. */
export function python<T = unknown>(code: string, ...args: string[]): T {
  const r = spawnSync(PYTHON, ["-c", code, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
