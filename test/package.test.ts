/**
 * The package as users get it: `npm pack`, installed into a new project, imported, its types
 * compiled by a strict TypeScript consumer, its command run with `npx` — and the README's code
 * blocks, written into that project and run there as a user who copies them would, with
 * relative file names. Every TypeScript or Python block in README.md is run: a block needs a
 * `<!-- readme: FILE -->` line before it, naming the file it is saved as.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { type Child, startProcess } from "./helpers/child.js";
import { have, PYTHON, tempDir } from "./helpers/interop.js";
import { REPO } from "./helpers/paths.js";

interface Snippet {
  file: string;
  language: string;
  code: string;
}

/** The README's fenced blocks of code, with the file each is saved as. */
function readmeSnippets(): Snippet[] {
  const lines = fs.readFileSync(path.join(REPO, "README.md"), "utf8").split("\n");
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w+)$/.exec(lines[i] as string);
    if (!fence) continue;
    const language = fence[1] as string;
    const end = lines.indexOf("```", i + 1);
    const code = lines.slice(i + 1, end).join("\n");
    const marker = /^<!-- readme: (\S+) -->$/.exec(lines[i - 1] ?? "");
    if (["ts", "js", "python"].includes(language)) {
      assert.ok(
        marker,
        `README.md line ${i + 1}: a ${language} block without a "<!-- readme: FILE -->" line before it is not run by any test`,
      );
      snippets.push({ file: marker[1] as string, language, code });
    }
    i = end;
  }
  return snippets;
}

function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8"));
  return lock.packages[`node_modules/${name}`].version;
}

function sh(cwd: string, command: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env }, maxBuffer: 1 << 26 });
  return { code: r.status, out: r.stdout ?? "", err: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

function ok(cwd: string, command: string, args: string[]): string {
  const r = sh(cwd, command, args);
  assert.equal(r.code, 0, `${command} ${args.join(" ")} failed:\n${r.out}\n${r.err}`);
  return r.out;
}

describe("the packed package in a new project", () => {
  let project = "";
  const snippets = readmeSnippets();

  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-package-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    // dist/ is built already (npm test builds it first): packing must not rebuild it under other tests' feet.
    const packed = JSON.parse(ok(REPO, "npm", ["pack", "--ignore-scripts", "--pack-destination", dir, "--json"]));
    const tarball = path.join(dir, packed[0].filename);
    project = path.join(dir, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    ok(project, "npm", [
      "install",
      tarball,
      `typescript@${lockedVersion("typescript")}`,
      `@types/node@${lockedVersion("@types/node")}`,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
    ]);
    fs.mkdirSync(path.join(project, "src"));
    for (const s of snippets) fs.writeFileSync(path.join(project, s.language === "python" ? "" : "src", s.file), `${s.code}\n`);
    // A strict consumer, as the README tells users to set it up.
    fs.writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          outDir: "out",
          types: ["node"],
        },
        include: ["src"],
      }),
    );
  });

  test("the README's TypeScript compiles in a strict project against the package's types", () => {
    ok(project, "npx", ["tsc", "-p", "."]);
    for (const s of snippets.filter((x) => x.language === "ts"))
      assert.ok(fs.existsSync(path.join(project, "out", s.file.replace(/\.ts$/, ".js"))));
  });

  test("the walk-through prints what it read back and leaves logging_data.h5; Python reads it", (t) => {
    const out = ok(project, "node", ["out/walkthrough.js"]);
    assert.match(out, /^<HDF5 dataset "number": shape \(10,\), type "<f8">\nFloat64Array\(10\) \[/);
    assert.ok(fs.existsSync(path.join(project, "logging_data.h5")));
    const ls = ok(project, "npx", ["h5logger", "ls", "logging_data.h5", "--json"]);
    assert.deepEqual(
      JSON.parse(ls).datasets.map((d: { name: string; rows: number }) => [d.name, d.rows]),
      [["number", 10]],
    );
    if (!have(t, "h5py")) return;
    const py = ok(project, PYTHON, ["reading.py"]);
    assert.match(py, /^<HDF5 dataset "number": shape \(10,\), type "<f8">\n\[[01. ]+\]\n$/);
  });

  test("the steps example, read by the README's Python", (t) => {
    ok(project, "node", ["out/kinds.js"]);
    if (!have(t, "h5py")) return;
    const py = ok(project, PYTHON, ["kinds.py"]).trim().split("\n");
    assert.match(py[0] as string, /^\[1\. +0\.5 +0\.33333333 0\.25 +0\.2 *\] \[ *0 100 200 300 400\]$/);
    assert.equal(py[1], "['step 0' 'step 1' 'step 2' 'step 3' 'step 4']");
    assert.equal(py[2], "[ True False  True False  True]");
    assert.equal(py[3], "0.01 False");
    if (!have(t, "xarray")) return;
    const scales = ok(project, PYTHON, ["scales.py"]).trim().split("\n");
    assert.deepEqual(scales, ["['loss.step']", "0.3333333333333333"]);
  });

  for (const way of ["declared", "enable", "counted"]) {
    test(`reading while written (${way}): the README's Node and Python readers, started first, follow the writer to its end`, async (t) => {
      const dir = path.join(project, `follow-${way}`);
      fs.mkdirSync(dir);
      const readers: Child[] = [startProcess("node", [path.join(project, "out", "follow.js")], { test: t, cwd: dir })];
      if (have(t, "h5py")) readers.push(startProcess(PYTHON, [path.join(project, "follow.py")], { test: t, cwd: dir }));
      const writer = startProcess("node", [path.join(project, "out", "writer.js"), way], { test: t, cwd: dir });
      const { code, stderr } = await writer.exited;
      assert.equal(code, 0, stderr);
      const node = await (readers[0] as Child).exited;
      assert.equal(node.code, 0, node.stderr);
      const seen = new Map<string, number>();
      for (const line of (readers[0] as Child).stdout().trim().split("\n")) {
        const [name, start, count] = line.split(" ");
        assert.equal(Number(start), seen.get(name as string) ?? 0, `rows of ${name} arrive in order, none twice: ${line}`);
        seen.set(name as string, Number(start) + Number(count));
      }
      assert.deepEqual(Object.fromEntries(seen), { name0: 50, name1: 50 }, "the Node reader saw every row");
      if (readers[1]) {
        const py = await readers[1].exited;
        assert.equal(py.code, 0, py.stderr);
        assert.match(readers[1].stdout(), /^\(\d+,\) /, "the Python reader opened the file and read rows");
      }
    });
  }

  test("a run: the README's three workers, its run reader, and its h5py and xarray readers", (t) => {
    for (const rank of [0, 1, 2]) ok(project, "node", ["out/run-worker.js", String(rank)]);
    const read = ok(project, "node", ["out/run-reader.js"]).trim().split("\n");
    assert.equal(read[0], "[ 'rank0', 'rank1', 'rank2' ] { batch: 64, lr: 0.01 }");
    assert.equal(read[1], "1000 2.01 2 2.02 3");
    assert.deepEqual(read.slice(2).sort(), ["rank0 0 1000", "rank1 0 1000", "rank2 0 1000"], "follow() gave each writer's rows once");
    if (!have(t, "h5py")) return;
    const index = ok(project, PYTHON, ["run-index.py"]).trim().split("\n");
    assert.deepEqual(index, ["['rank0', 'rank1', 'rank2']", "0.01"]);
    const xarray = ok(project, PYTHON, ["run-xarray.py"]).trim();
    assert.equal(xarray, "1000 2.01");
  });

  test("require() from CommonJS says the package is an ES module and how to load it", () => {
    const r = sh(project, "node", ["-e", 'require("h5logger")']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /h5logger is an ES module/);
    assert.match(r.err, /await import\("h5logger"\)/);
  });

  test("a script that imports the package logs with relative names into nested folders and reads back", () => {
    const script = `
import { H5Logger } from "h5logger";
const logger = new H5Logger("runs/today/metrics", { replaceIfExists: true });
for (let i = 0; i < 100; i++) logger.log("loss", 1 / (i + 1));
logger.close();
const reader = H5Logger.openSync("runs/today/metrics.h5");
console.log(reader.get("loss").length, reader.path);
reader.close();
`;
    fs.writeFileSync(path.join(project, "app.mjs"), script);
    const out = ok(project, "node", ["app.mjs"]).trim();
    assert.equal(out, `100 ${fs.realpathSync(project)}/runs/today/metrics.h5`);
  });
});

describe("the examples, run from a temp folder", () => {
  test("examples/logging_random_numbers.ts (npm run demo)", (t) => {
    const dir = tempDir(t);
    const out = ok(dir, process.execPath, [path.join(REPO, "build", "examples", "logging_random_numbers.js")]);
    assert.match(out, /^<HDF5 dataset "number": shape \(10,\), type "<f8">\n/);
    assert.ok(fs.existsSync(path.join(dir, "logging_data.h5")));
  });

  test("examples/concurrent_writing_reading.ts: a reader in another process sees the series grow in each of the three ways", (t) => {
    const dir = tempDir(t);
    const out = ok(dir, process.execPath, [path.join(REPO, "build", "examples", "concurrent_writing_reading.js")]);
    const sections = out.trim().split("\n\n");
    assert.equal(sections.length, 3, out);
    for (const section of sections) {
      const [title, ...lines] = section.split("\n");
      assert.match(title as string, /^\d\. /);
      assert.ok(lines.length >= 1, `${title}: the reader printed nothing`);
      const last = lines.at(-1) as string;
      assert.equal(last.split(", ").length, 5, `${title}: the reader saw all 5 rows in the end: ${last}`);
    }
    assert.deepEqual(fs.readdirSync(dir), [], "the example removes its files");
  });
});
