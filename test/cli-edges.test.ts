/**
 * The command line at its edges: any HDF5 file whatever its name, clear messages for folders
 * and missing files, one-shot commands on a file being written, what `export` lines up and
 * why, negative values for options, private copies that outlive a killed process, and the
 * small things (numbers as numbers, float32 as numpy prints it, links, long strings, plurals,
 * --version, FORCE_COLOR). Run as a user runs it: the built command, from a temp folder.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { startNode } from "./helpers/child.js";
import { have, python, tempCwd } from "./helpers/interop.js";
import { CLI, fixture, REPO } from "./helpers/paths.js";

function cli(args: string[], env: Record<string, string> = {}) {
  const { FORCE_COLOR: _, ...inherited } = process.env;
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...inherited, NO_COLOR: "1", ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(args: string[]): string {
  const r = cli(args);
  assert.equal(r.code, 0, `h5logger ${args.join(" ")} failed: ${r.err}`);
  return r.out;
}

function small(name: string): void {
  const logger = new H5Logger(name);
  logger.log("x", 1);
  logger.close();
}

test("any HDF5 file, whatever its extension, is read; a folder and a missing file say which they are", (t) => {
  tempCwd(t);
  small("run.h5");
  for (const name of ["run.nc", "data.he5", "RUN.H5"]) {
    fs.copyFileSync("run.h5", name);
    assert.match(ok(["ls", name]), /^x +1 /m, name);
  }
  // A folder is a run (its writers' files), here one with no writer yet.
  fs.mkdirSync("folder");
  assert.match(ok(["ls", "folder"]), /^run folder: 0 writers\n/);
  const missing = cli(["ls", "missing.h5"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "h5logger: missing.h5: does not exist\n");
});

test("one-shot commands on a file written without concurrent readers wait for a consistent snapshot", async (t) => {
  tempCwd(t);
  const writer = startNode(fixture("crash_writer"), ["live.h5", "plain", "100"], { test: t });
  await writer.waitFor((l) => typeof l.flushed === "number" && l.flushed > 0, "a first flush");
  for (let i = 0; i < 8; i++) {
    const r = cli(["ls", "live.h5", "--json"]);
    assert.equal(r.code, 0, `run ${i}: ${r.err}`);
    assert.ok(JSON.parse(r.out).datasets.length > 0);
  }
  for (const args of [
    ["stats", "live.h5", "x"],
    ["show", "live.h5", "x", "--rows", "0:2"],
    ["export", "live.h5", "x", "--csv"],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
  }
  writer.process.kill("SIGKILL");
});

test("export says on stderr when it lines up by row because a series has no step column", (t) => {
  tempCwd(t);
  const logger = new H5Logger("mixed.h5");
  for (let i = 0; i < 3; i++) logger.log("stepped", i, { step: i * 100 });
  for (let i = 0; i < 3; i++) logger.log("plain", i);
  logger.close();
  const mixed = cli(["export", "mixed.h5", "--csv"]);
  assert.equal(mixed.code, 0, mixed.err);
  assert.match(mixed.err, /lined up by row index, not by step: plain has no step column/);
  assert.equal(mixed.out.split("\n")[0], "row,plain,stepped");
  const said = cli(["export", "mixed.h5", "--csv", "--by", "row"]);
  assert.equal(said.err, "", "--by row says so: no note");
  const stepped = cli(["export", "mixed.h5", "stepped", "--csv"]);
  assert.equal(stepped.err, "");
  assert.equal(stepped.out, "step,stepped\n0,0\n100,1\n200,2\n");
});

test("negative values for options are taken as values: the command checks them", (t) => {
  tempCwd(t);
  const logger = new H5Logger("rows.h5");
  for (let i = 0; i < 10; i++) logger.log("x", i);
  logger.close();
  assert.equal(ok(["show", "rows.h5", "x", "--rows", "-3:"]), "7  7\n8  8\n9  9\n");
  const lines = cli(["tail", "rows.h5", "x", "-n", "-5"]);
  assert.equal(lines.code, 2);
  assert.match(lines.err, /--lines must be a whole number of 0 or more, got "-5"/);
  const width = cli(["stats", "rows.h5", "--width", "-5"]);
  assert.equal(width.code, 2);
  assert.doesNotMatch(width.err, /ambiguous/);
  assert.match(width.err, /--width/);
});

test("a private copy left by a reader killed with kill -9 is removed by the next reader", async (t) => {
  tempCwd(t);
  const crashed = spawnSync(process.execPath, [fixture("crash_self"), "crashed.h5"], { encoding: "utf8" });
  assert.equal(crashed.signal, "SIGKILL");
  // tail -f of a crashed file reads it from a private copy (named by its pid), and keeps it while it runs.
  const tail = startNode(CLI, ["tail", "-f", "crashed.h5", "x", "-n", "1"], { test: t });
  await tail.waitFor(() => true, "its first row");
  const left = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`h5logger-copy-${tail.process.pid}-`));
  assert.equal(left.length, 1, "tail -f made a private copy");
  tail.process.kill("SIGKILL");
  await tail.exited;
  assert.ok(fs.existsSync(path.join(os.tmpdir(), left[0] as string)), "a killed process cannot delete its copy");
  assert.match(ok(["ls", "crashed.h5"]), /^x +100 /m);
  assert.equal(fs.existsSync(path.join(os.tmpdir(), left[0] as string)), false, "the next reader removed it");
});

test("numbers as numbers, float32 as numpy prints it, a long string cut short, plurals", (t) => {
  tempCwd(t);
  const logger = new H5Logger("small.h5", { datasets: { f: { dtype: "float32" } } });
  logger.log("n", 1999999);
  logger.log("n", 1999999);
  logger.log("f", 0.1);
  logger.log("s", "y".repeat(2_000_000));
  logger.close();
  const stats = ok(["stats", "small.h5", "n"]);
  assert.match(stats, /\b1999999\b/);
  assert.doesNotMatch(stats, /e\+/);
  assert.equal(ok(["export", "small.h5", "f", "--csv"]), "row,f\n0,0.1\n");
  assert.equal(ok(["export", "small.h5", "f", "--jsonl"]), '{"row":0,"f":0.1}\n');
  assert.equal(ok(["tail", "small.h5", "f"]), "0  0.1\n");
  const ls = ok(["ls", "small.h5"]);
  assert.ok(ls.length < 1000, `ls printed ${ls.length} characters`);
  assert.match(ls, /'yyyy+…/);
  const recovered = ok(["recover", "small.h5"]);
  assert.match(recovered, /^ {2}f +1 row +float32$/m);
  assert.match(recovered, /^ {2}n +2 rows +float64$/m);
});

test("h5py's soft links are not listed as datasets of their own; float16 is named as numpy names it", (t) => {
  if (!have(t, "h5py")) return;
  tempCwd(t);
  python(
    `import sys, json, h5py, numpy as np\nwith h5py.File(sys.argv[1], "w", libver="latest") as f:\n    f["x"] = np.arange(3.0)\n    f["alias"] = h5py.SoftLink("/x")\n    f["half"] = np.arange(3, dtype="<f2")\nprint(json.dumps(True))`,
    "links.h5",
  );
  const listing = JSON.parse(ok(["ls", "links.h5", "--json"])).datasets.map((d: { name: string; storedType: string }) => [
    d.name,
    d.storedType,
  ]);
  assert.deepEqual(listing, [
    ["half", "<f2"],
    ["x", "<f8"],
  ]);
});

test("--version prints the package's version; FORCE_COLOR colours output into a pipe", (t) => {
  tempCwd(t);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  assert.equal(ok(["--version"]), `${pkg.version}\n`);
  small("c.h5");
  const ESC = "\u001b[";
  assert.ok(!cli(["ls", "c.h5"]).out.includes(ESC), "no colours into a pipe");
  assert.ok(cli(["ls", "c.h5"], { FORCE_COLOR: "1", NO_COLOR: "" }).out.includes(`${ESC}1m`), "FORCE_COLOR=1 colours");
  assert.ok(!cli(["ls", "c.h5"], { FORCE_COLOR: "0" }).out.includes(ESC), "FORCE_COLOR=0 does not");
});
