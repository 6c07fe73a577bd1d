/**
 * Fixture programs as plain JavaScript, for tests that start many child processes.
 *
 * Why not `node --import tsx`: tsx rewrites every JavaScript file that contains `import(` and
 * builds a source map for it, and h5wasm's 5 MB module is one: each child then spends 7-10 s
 * and ~600 MB before its first line (measured on the 2-core CI machine). Transpiled once with
 * TypeScript's `transpileModule` (the sources are `isolatedModules`-clean), a child starts in
 * well under a second.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let compiled: string | null = null;

/**
 * Transpile `src/` and `test/fixtures/` into a temp dir inside `node_modules/.cache` (so that
 * `h5wasm` resolves), once per test process, removed when it exits. Returns the path of
 * `test/fixtures/NAME.js`.
 */
export function compileFixture(name: string): string {
  compiled ??= compileAll();
  return path.join(compiled, "test", "fixtures", `${name}.js`);
}

function compileAll(): string {
  const cache = path.join(ROOT, "node_modules", ".cache");
  fs.mkdirSync(cache, { recursive: true });
  const out = fs.mkdtempSync(path.join(cache, "h5logger-fixtures-"));
  process.on("exit", () => fs.rmSync(out, { recursive: true, force: true }));
  for (const dir of ["src", path.join("test", "fixtures")]) {
    fs.mkdirSync(path.join(out, dir), { recursive: true });
    for (const file of fs.readdirSync(path.join(ROOT, dir))) {
      if (!file.endsWith(".ts")) continue;
      const source = fs.readFileSync(path.join(ROOT, dir, file), "utf8");
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: file,
      });
      fs.writeFileSync(path.join(out, dir, file.replace(/\.ts$/, ".js")), outputText);
    }
  }
  fs.writeFileSync(path.join(out, "package.json"), '{ "type": "module" }\n');
  return out;
}
