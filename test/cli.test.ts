/**
 * The `h5logger` command, run as a user runs it: the built binary (`dist/cli.js`, the
 * package's `bin`; `npm test` builds it first) in a separate process. Expected values come from
 * what the test logged and from independent readers: h5py (numpy) and h5ls.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { H5Logger } from "../src/index.js";
import { journalGeneration } from "../src/recovery/journal.js";
import { locateForReading } from "../src/recovery/location.js";
import { startNode } from "./helpers/child.js";
import { have, PYTHON, python, run, tempCwd } from "./helpers/interop.js";
import { CLI, fixture, pythonFixture, REPO } from "./helpers/paths.js";

const RSS = path.join(REPO, "test", "helpers", "report-rss.mjs");
const MAKE_H5PY_FILES = pythonFixture("make_h5py_files");

interface Result {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "", ...env },
    maxBuffer: 1 << 30,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(args: string[]): string {
  const r = cli(args);
  assert.equal(r.code, 0, `h5logger ${args.join(" ")} failed: ${r.err}`);
  assert.equal(r.err, "", `h5logger ${args.join(" ")} wrote to stderr`);
  return r.out;
}

/** A run logged with steps: loss at every step, acc at even steps, images, notes; file attributes. */
function sampleRun(dir: string): string {
  const file = path.join(dir, "run.h5");
  const logger = new H5Logger(file, { steps: true, attrs: { model: "mlp", lr: 0.01 } });
  for (let step = 0; step < 10; step++) {
    logger.step = step;
    logger.log("loss", 1 / (step + 1));
    if (step % 2 === 0) logger.log("train/acc", step / 10);
  }
  logger.log("img", { data: Uint8Array.from({ length: 6 }, (_, i) => i), shape: [2, 3] });
  logger.log("note", 'a "quoted", text');
  logger.close();
  return file;
}

test("the binary is the package's bin and starts with a shebang", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  assert.equal(path.resolve(REPO, pkg.bin.h5logger), CLI);
  assert.match(fs.readFileSync(CLI, "utf8"), /^#!\/usr\/bin\/env node\n/);
});

test("--help for the tool and each command; exit codes 0, 1 and 2; errors in one line", (t) => {
  const file = sampleRun(tempCwd(t));
  const help = cli(["--help"]);
  assert.equal(help.code, 0);
  for (const name of ["ls", "show", "tail", "stats", "export", "recover"]) {
    assert.match(help.out, new RegExp(`^  ${name} `, "m"), `tool help lists ${name}`);
    const own = cli([name, "--help"]);
    assert.equal(own.code, 0);
    assert.match(own.out, new RegExp(`^Usage: h5logger ${name} FILE`));
  }
  assert.equal(cli([]).code, 2, "no command is a usage error");
  for (const args of [
    ["frobnicate", file],
    ["ls", file, "--bogus"],
    ["ls"],
    ["show", file],
    ["export", file],
    ["show", file, "loss", "--rows", "x"],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.equal(r.out, "");
    assert.match(r.err, /^h5logger: .+\nrun "h5logger (\w+ )?--help" for usage\n$/, `${args.join(" ")}: ${r.err}`);
  }
  for (const args of [
    ["ls", path.join(file, "..", "missing.h5")],
    ["show", file, "nope"],
    ["ls", path.join(REPO, "package.json")],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
    assert.equal(r.err.split("\n").length, 2, `one line: ${r.err}`);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  }
  const debug = cli(["show", file, "nope", "--debug"]);
  assert.equal(debug.code, 1);
  assert.match(debug.err, /\n\s+at /, "--debug prints the stack");
});

test("colours only on a terminal and never with NO_COLOR", async (t) => {
  const { useColor } = await import("../src/cli/style.js");
  assert.equal(useColor({ isTTY: true }, {}), true);
  assert.equal(useColor({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.equal(useColor({ isTTY: true }, { TERM: "dumb" }), false);
  assert.equal(useColor({ isTTY: false }, {}), false);
  // Through a pipe, the binary writes no escape codes.
  const out = ok(["ls", sampleRun(tempCwd(t))]);
  assert.equal(out.includes("\u001b["), false);
});

test("ls: rows, row shape, dtype, bytes on disk and last value, as h5py sees them; attributes; --json", (t) => {
  const interop = have(t, "h5py");
  const file = sampleRun(tempCwd(t));
  const listing = JSON.parse(ok(["ls", file, "--json"]));
  assert.deepEqual(listing.attributes, { model: "mlp", lr: 0.01 });
  const byName = Object.fromEntries(listing.datasets.map((d: { name: string }) => [d.name, d]));
  assert.deepEqual(Object.keys(byName).sort(), [
    "img",
    "img.step",
    "loss",
    "loss.step",
    "note",
    "note.step",
    "train/acc",
    "train/acc.step",
  ]);
  assert.equal(byName.loss.rows, 10);
  assert.equal(byName.loss.last, 0.1);
  assert.deepEqual(byName.img.rowShape, [2, 3]);
  assert.equal(byName.img.dtype, "uint8");
  assert.equal(byName["train/acc"].last, 0.8);
  assert.equal(byName.note.last, 'a "quoted", text');
  if (interop) {
    // h5py's storage size is HDF5's own count of the bytes allocated for each dataset.
    const truth = python<Record<string, [number, number[], number]>>(
      `
import sys, json, h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(lambda n, o: out.__setitem__(n, [o.shape[0], list(o.shape[1:]), o.id.get_storage_size()]) if isinstance(o, h5py.Dataset) else None)
print(json.dumps(out))`,
      file,
    );
    for (const [name, [rows, rowShape, bytes]] of Object.entries(truth)) {
      assert.equal(byName[name].rows, rows, name);
      assert.deepEqual(byName[name].rowShape, rowShape, name);
      assert.equal(byName[name].bytesOnDisk, bytes, `${name}: bytes on disk`);
    }
  }
  const text = ok(["ls", file]).split("\n");
  assert.match(text[0] ?? "", /^dataset +rows +row shape +dtype +on disk +last$/);
  assert.match(text.find((l) => l.startsWith("loss ")) ?? "", /^loss +10 +\(\) +float64 +\S+ \S+ +0\.1$/);
  assert.match(text.find((l) => l.startsWith("img ")) ?? "", /^img +1 +\(2, 3\) +uint8 /);
  assert.ok(text.includes("attributes"));
  assert.ok(text.some((l) => /^ {2}model +"mlp"$/.test(l)));
});

test("show: rows with their index, numpy's layout, --rows as a Python slice, long arrays elided", (t) => {
  const dir = tempCwd(t);
  const file = sampleRun(dir);
  assert.equal(ok(["show", file, "loss", "--rows=-2:"]), "8  0.1111111111111111\n9  0.1\n");
  assert.equal(ok(["show", file, "img"]), "0  [[0 1 2]\n    [3 4 5]]\n");
  assert.equal(ok(["show", file, "note"]), `0  'a "quoted", text'\n`);
  const long = path.join(dir, "long.h5");
  const logger = new H5Logger(long);
  logger.log(
    "v",
    Float64Array.from({ length: 2000 }, (_, i) => i / 2),
  );
  for (let i = 0; i < 30; i++) logger.log("s", i);
  logger.close();
  assert.equal(
    ok(["show", long, "v"]),
    "0  [0 0.5 1 ... 998.5 999 999.5]\n".replace(/\[(.*)\]/, (_, inner: string) => `[${padded(inner)}]`),
  );
  // More than 20 rows: the first and last 10.
  const rows = ok(["show", long, "s"]).trimEnd().split("\n");
  assert.equal(rows.length, 21);
  assert.equal(rows[0], " 0  0");
  assert.equal(rows[10]?.trim(), "...");
  assert.equal(rows[20], "29  29");
});

/** numpy pads every element of an array to the widest one's width. */
function padded(inner: string): string {
  const parts = inner.split(" ");
  const width = Math.max(...parts.filter((p) => p !== "...").map((p) => p.length));
  return parts.map((p) => (p === "..." ? p : p.padStart(width))).join(" ");
}

test("tail: the last N rows of each series, with a header per series", (t) => {
  const file = sampleRun(tempCwd(t));
  assert.equal(ok(["tail", file, "loss", "-n", "2"]), "8  0.1111111111111111\n9  0.1\n");
  assert.equal(ok(["tail", file, "loss", "train/acc", "-n", "1"]), "==> loss <==\n9  0.1\n\n==> train/acc <==\n4  0.8\n");
});

for (const mode of ["swmr", "plain"] as const) {
  test(`tail -f, started before a ${mode === "swmr" ? "concurrent-readers (SWMR)" : "plain (no concurrent readers)"} writer in another process, prints every row once and ends when it closes`, {
    timeout: 60_000,
  }, async (t) => {
    const file = path.join(tempCwd(t), "live.h5");
    const rows = 1500;
    const tail = startNode(CLI, ["tail", "-f", file, "x", "-n", "0", "--poll", "50"], { test: t, env: { NO_COLOR: "1" } });
    // It says on stderr that it waits for the file: then it has looked, and the file was not there.
    await tail.waitForStderr(/waiting for/);
    assert.equal(fs.existsSync(file), false, "tail started before the file exists");
    const writer = spawnSync(process.execPath, [fixture("cli_writer"), file, mode, String(rows)], { encoding: "utf8" });
    assert.equal(writer.status, 0, writer.stderr);
    const { code, stderr } = await tail.exited;
    assert.equal(code, 0, `tail -f should end by itself when the writer closes: ${stderr}`);
    const out = tail.stdout();
    const err = stderr;
    const lines = out.trimEnd().split("\n");
    assert.equal(lines.length, rows, `every row once: ${lines.slice(0, 3).join(" | ")} ... ${err}`);
    for (const [i, line] of lines.entries()) assert.equal(line, `${i}  ${i}`);
  });
}

test("tail -f stops cleanly on Ctrl-C (SIGINT) with exit code 0", { timeout: 30_000 }, async (t) => {
  const file = sampleRun(tempCwd(t));
  const tail = spawn(process.execPath, [CLI, "tail", "-f", file, "loss", "-n", "1"]);
  let out = "";
  tail.stdout.on("data", (d) => {
    out += d;
  });
  await new Promise<void>((resolve) => tail.stdout.once("data", () => resolve()));
  tail.kill("SIGINT");
  const code = await new Promise<number | null>((resolve) => tail.once("exit", resolve));
  assert.equal(code, 0);
  assert.equal(out, "9  0.1\n");
});

test("stats: count, NaNs, min, max, mean, std as numpy computes them; a sparkline of the course", (t) => {
  const interop = have(t, "h5py");
  const file = path.join(tempCwd(t), "stats.h5");
  const logger = new H5Logger(file);
  for (let i = 0; i < 5000; i++) logger.log("up", i % 97 === 0 ? Number.NaN : i);
  for (let i = 0; i < 100; i++) logger.log("n", BigInt(i * 3 - 50));
  logger.log("s", "text");
  logger.close();
  const all = JSON.parse(ok(["stats", file, "--json", "--width", "10"]));
  const up = all.find((s: { name: string }) => s.name === "up");
  assert.equal(up.count, 5000);
  assert.equal(up.nan, Math.ceil(5000 / 97));
  assert.equal(up.sparkline.length, 10);
  assert.equal(up.sparkline[0], "▁");
  assert.equal(up.sparkline.at(-1), "█");
  assert.deepEqual([...up.sparkline].sort(), [...up.sparkline], "an increasing series gives rising bars");
  assert.deepEqual(
    all.find((s: { name: string }) => s.name === "s"),
    { name: "s", count: 1, last: "text" },
  );
  if (interop) {
    const truth = python<Record<string, number[]>>(
      `
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    out = {}
    for name in ["up", "n"]:
        d = f[name][()].astype("f8")
        v = d[~np.isnan(d)]
        out[name] = [float(v.min()), float(v.max()), float(v.mean()), float(v.std()), int(np.isnan(d).sum()), float(d[-1])]
print(json.dumps(out))`,
      file,
    );
    for (const [name, [min, max, mean, std, nan, last]] of Object.entries(truth)) {
      const s = all.find((x: { name: string }) => x.name === name);
      assert.equal(s.min, min, `${name} min`);
      assert.equal(s.max, max, `${name} max`);
      assert.ok(Math.abs(s.mean - (mean as number)) <= 1e-12 * Math.abs(mean as number), `${name} mean ${s.mean} vs numpy ${mean}`);
      assert.ok(Math.abs(s.std - (std as number)) <= 1e-9 * (std as number), `${name} std ${s.std} vs numpy ${std}`);
      assert.equal(s.nan, nan, `${name} NaNs`);
      assert.equal(Number(s.last), last, `${name} last`);
    }
  }
  const table = ok(["stats", file]).split("\n");
  assert.match(table[0] ?? "", /^series +count +nan +min +max +mean +std +last +trend$/);
});

test("export: CSV and JSON lines aligned on the shared step column; -o writes a file; any reader parses them", (t) => {
  const interop = have(t, "h5py");
  const dir = tempCwd(t);
  const file = sampleRun(dir);
  const csv = ok(["export", file, "loss", "train/acc", "--csv"]).trimEnd().split("\n");
  assert.equal(csv[0], "step,loss,train/acc");
  assert.equal(csv.length, 11);
  for (let step = 0; step < 10; step++) {
    assert.equal(csv[step + 1], `${step},${1 / (step + 1)},${step % 2 === 0 ? step / 10 : ""}`);
  }
  const out = path.join(dir, "run.jsonl");
  assert.equal(ok(["export", file, "--jsonl", "-o", out]), "");
  const records = fs
    .readFileSync(out, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(records[0], { step: 0, loss: 1, "train/acc": 0 });
  assert.deepEqual(records[1], { step: 1, loss: 0.5 });
  // img and note were logged once, at step 9.
  assert.deepEqual(records[9], {
    step: 9,
    loss: 0.1,
    img: [
      [0, 1, 2],
      [3, 4, 5],
    ],
    note: 'a "quoted", text',
  });
  assert.equal(records.length, 10);
  // Without shared steps: one line per row index.
  const byRow = ok(["export", file, "loss", "note", "--csv", "--by", "row"]).split("\n");
  assert.equal(byRow[0], "row,loss,note");
  assert.equal(byRow[1], `0,1,"a ""quoted"", text"`);
  assert.equal(byRow[2], "1,0.5,");
  if (interop) {
    // Python's csv module reads back exactly the values h5py reads from the file.
    const same = python<boolean>(
      `
import sys, csv, io, json, h5py
rows = list(csv.reader(io.StringIO(sys.argv[2])))
with h5py.File(sys.argv[1], "r") as f:
    loss, steps = f["loss"][()], f["loss.step"][()]
    ok = [r[0] for r in rows[1:]] == [str(s) for s in steps] and [float(r[1]) for r in rows[1:]] == list(loss)
print(json.dumps(bool(ok)))`,
      file,
      ok(["export", file, "loss", "train/acc", "--csv"]),
    );
    assert.equal(same, true);
  }
});

test("export streams a file larger than the logger's buffer bound with flat memory", { timeout: 120_000 }, (t) => {
  const dir = tempCwd(t);
  const write = (name: string, rows: number) => {
    const file = path.join(dir, name);
    const logger = new H5Logger(file);
    for (let i = 0; i < rows; i++) logger.log("x", i);
    logger.close();
    return file;
  };
  const small = write("small.h5", 10_000);
  const big = write("big.h5", 9_000_000); // 72 MB of rows: more than the 64 MiB default buffer bound
  assert.ok(fs.statSync(big).size > 64 * 1024 * 1024);
  const peak = (file: string) => {
    const rssFile = path.join(dir, `${path.basename(file)}.rss`);
    // JavaScript's heap capped well below the rows' size: holding them there would crash the export.
    const r = spawnSync(
      process.execPath,
      ["--max-old-space-size=32", "--import", RSS, CLI, "export", file, "--csv", "-o", path.join(dir, "out.csv")],
      {
        encoding: "utf8",
        env: { ...process.env, H5LOGGER_RSS_FILE: rssFile },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return Number(fs.readFileSync(rssFile, "utf8"));
  };
  const baseline = peak(small);
  const bigPeak = peak(big);
  const lines = spawnSync("wc", ["-l", path.join(dir, "out.csv")], { encoding: "utf8" })
    .stdout.trim()
    .split(" ")[0];
  assert.equal(Number(lines), 9_000_001, "every row exported");
  const grew = (bigPeak - baseline) / 2 ** 20;
  t.diagnostic(`peak RSS: ${(baseline / 2 ** 20).toFixed(0)} MiB for 10k rows, ${(bigPeak / 2 ** 20).toFixed(0)} MiB for 9M rows`);
  assert.ok(grew < 48, `exporting 72 MB of rows grew peak memory by ${grew.toFixed(0)} MiB over a 10k-row file`);
});

test("every command on a file h5py wrote: groups, attributes, rank 0, fixed strings, gzip, enum booleans, a compound", (t) => {
  if (!have(t, "h5py")) return;
  const file = path.join(tempCwd(t), "assorted.h5");
  const made = run(PYTHON, MAKE_H5PY_FILES, file, "assorted");
  assert.equal(made.status, 0, made.stderr);
  const listing = JSON.parse(ok(["ls", file, "--json"]));
  assert.deepEqual(listing.attributes, { origin: "h5py" });
  const byName = Object.fromEntries(listing.datasets.map((d: { name: string }) => [d.name, d]));
  assert.equal(byName.scalar.rows, null);
  assert.equal(byName.scalar.last, 3.5);
  assert.equal(byName.table.dtype, "compound");
  assert.equal(byName.zipped.bytesOnDisk, null, "a compressed dataset's size is HDF5's to know");
  assert.equal(byName.flags.dtype, "bool");
  assert.equal(byName.labels.last, "cde");
  assert.equal(ok(["show", file, "run/grid", "--rows", "1:"]), "1  [[ 6  7  8]\n    [ 9 10 11]]\n");
  assert.equal(ok(["show", file, "scalar"]), "3.5\n");
  assert.equal(ok(["show", file, "labels"]), "0  'ab'\n1  'cde'\n");
  assert.equal(ok(["tail", file, "flags", "-n", "2"]), "1  False\n2  True\n");
  assert.equal(ok(["tail", file, "zipped", "-n", "1"]), "999  999\n");
  const compound = cli(["show", file, "table"]);
  assert.equal(compound.code, 1);
  assert.match(compound.err, /^h5logger: .*table.*compound/);
  const stats = cli(["stats", file, "--json"]);
  assert.equal(stats.code, 0);
  assert.match(stats.err, /left out .*table \(compound\)/);
  const loss = JSON.parse(stats.out).find((s: { name: string }) => s.name === "run/loss");
  assert.deepEqual([loss.count, loss.nan, loss.min, loss.max], [4, 1, 0.125, 0.5]);
  const exported = cli(["export", file, "run/loss", "words", "--csv"]);
  assert.equal(exported.code, 0);
  assert.equal(exported.out, "row,run/loss,words\n0,0.5,x\n1,0.25,y z\n2,nan,\n3,0.125,\n");
  const before = fs.readFileSync(file);
  for (const args of [
    ["ls", file],
    ["stats", file],
    ["tail", file],
    ["export", file, "--jsonl"],
  ])
    cli(args);
  assert.ok(fs.readFileSync(file).equals(before), "reading commands leave the file byte for byte");
  // h5ls agrees on what is there.
  if (have(t, "h5ls")) {
    const h5ls = run("h5ls", "-r", file);
    for (const name of Object.keys(byName)) assert.match(h5ls.stdout, new RegExp(`^/${name} +Dataset`, "m"));
  }
});

test("recover repairs a crashed file and says what it holds", async (t) => {
  const file = path.join(tempCwd(t), "crashed.h5");
  const child = spawn(process.execPath, [fixture("cli_writer"), file, "plain", "100000"]);
  // Killed once it has completed a few flushes (its journal counts them; a loaded machine can take seconds to start it).
  for (let waited = 0; (journalGeneration(locateForReading(file)) ?? 0n) < 4n; waited += 50) {
    assert.ok(waited < 30_000, "the writer never got going");
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const r = cli(["recover", file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /: recovered\n/);
  assert.match(r.out, /cleared HDF5's "open for write" flags/);
  assert.match(r.out, /^ {2}x +\d+ rows +float64$/m, r.out);
  assert.equal(fs.existsSync(`${file}.journal`), false, "the journal is gone");
  const again = cli(["recover", file]);
  assert.match(again.out, /nothing to recover/);
});
