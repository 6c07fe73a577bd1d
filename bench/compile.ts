/**
 * Child programs run as plain JavaScript, without tsx: under tsx, loading h5wasm (a 4 MB
 * module) costs ~600 MB of RSS for its transformed source and source map, which would swamp
 * the memory case. This transpiles src/ and bench/ (TypeScript's transpileModule: no type
 * check, ~1 s) into .bench-tmp/js/, keeping the layout so relative imports still resolve and
 * `h5wasm` is found in the project's node_modules.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the JavaScript goes (in .gitignore). */
export const OUT = path.join(ROOT, ".bench-tmp", "js");

let done = false;

function transpileDir(dir: string): void {
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      transpileDir(rel);
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      const source = fs.readFileSync(path.join(ROOT, rel), "utf8");
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
        fileName: rel,
      });
      const out = path.join(OUT, rel.replace(/\.ts$/, ".js"));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, outputText);
    }
  }
}

/** The JavaScript file of `bench/children/<name>.ts`, transpiling everything on first call. */
export function compiledChild(name: string): string {
  if (!done) {
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    // The project's package.json says "type": "module" already; this keeps it so if the folder moves.
    fs.writeFileSync(path.join(ROOT, ".bench-tmp", "package.json"), '{ "type": "module" }\n');
    transpileDir("src");
    transpileDir("bench");
    done = true;
  }
  return path.join(OUT, "bench", "children", `${name}.js`);
}

/** Remove the transpiled files. */
export function removeCompiled(): void {
  fs.rmSync(path.join(ROOT, ".bench-tmp"), { recursive: true, force: true });
  done = false;
}
