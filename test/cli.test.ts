/**
 * The `h5logger` command, run as a user would (a separate process), on files whose content
 * the test knows. h5ls is the oracle for what `ls` reports.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { H5Logger } from "../src/index.js";
import { have, tempDir } from "./helpers/interop.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function sampleFile(dir: string): string {
  const file = path.join(dir, "run.h5");
  const logger = new H5Logger(file);
  for (const v of [3, 1, 4, 1, 5]) logger.log("loss", v);
  logger.log("train/acc", 0.5);
  logger.log("train/acc", 0.75);
  logger.log("img", { data: Uint8Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3] });
  logger.log("note", 'a "quoted", text');
  logger.close();
  return file;
}

test("ls lists every dataset with the shape h5ls reports", (t) => {
  if (!have(t, "h5ls")) return;
  const file = sampleFile(tempDir(t));
  const r = cli("ls", file);
  assert.equal(r.code, 0, r.err);
  const ours = r.out.trim().split("\n").map((line) => line.trim().split(/\s+/));
  assert.deepEqual(
    ours.map(([name, shape, type]) => [name, shape, type]),
    [
      ["img", "{1/Inf,", "2,"],
      ["loss", "{5/Inf}", "<f8"],
      ["note", "{1/Inf}", "|O"],
      ["train/acc", "{2/Inf}", "<f8"],
    ],
  );
  const h5ls = spawnSync("h5ls", ["-r", file], { encoding: "utf8" }).stdout;
  assert.match(h5ls, /\/loss\s+Dataset \{5\/Inf\}/);
  assert.match(h5ls, /\/img\s+Dataset \{1\/Inf, 2, 3\}/);
  assert.match(r.out, /img\s+\{1\/Inf, 2, 3\}\s+\|u1/);
});

test("show prints rows with their index; --last counts from the end", (t) => {
  const file = sampleFile(tempDir(t));
  assert.equal(cli("show", file, "loss").out, "0\t3\n1\t1\n2\t4\n3\t1\n4\t5\n");
  assert.equal(cli("show", file, "loss", "--last", "2").out, "3\t1\n4\t5\n");
  assert.equal(cli("show", file, "loss", "--start", "1", "--end", "3").out, "1\t1\n2\t4\n");
  assert.equal(cli("show", file, "img").out, "0\t[1, 2, 3, 4, 5, 6]\n");
});

test("summary gives rows, min, max, mean and last", (t) => {
  const file = sampleFile(tempDir(t));
  const r = cli("summary", file, "loss", "--json");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), [{ name: "loss", rows: 5, type: "<f8", last: "5", min: 1, max: 5, mean: 2.8 }]);
});

test("export writes CSV side by side, quoting text, leaving missing cells empty", (t) => {
  const file = sampleFile(tempDir(t));
  const csv = cli("export", file, "loss", "train/acc", "note").out;
  assert.equal(csv, ["row,loss,train/acc,note", '0,3,0.5,"a ""quoted"", text"', "1,1,0.75,", "2,4,,", "3,1,,", "4,5,,", ""].join("\n"));
  const jsonl = cli("export", file, "train/acc", "--format", "jsonl").out;
  assert.equal(jsonl, '{"row":0,"train/acc":0.5}\n{"row":1,"train/acc":0.75}\n');
});

test("errors are one clear line with a non-zero exit", (t) => {
  const dir = tempDir(t);
  const missing = cli("ls", path.join(dir, "missing.h5"));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /missing\.h5: does not exist/);
  const unknown = cli("frobnicate", "x.h5");
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  const noName = cli("show", sampleFile(dir), "nope");
  assert.equal(noName.code, 1);
  assert.match(noName.err, /"nope": no such dataset/);
});
