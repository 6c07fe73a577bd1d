// Copies the viewer's page (plain browser modules, HTML, CSS: src/view/page) beside the
// compiled server code, which serves it from there: `node scripts/copy-page.mjs dist` for the
// package, `node scripts/copy-page.mjs build/src` for the tests. tsc copies no such files.
import fs from "node:fs";
import path from "node:path";

const [out] = process.argv.slice(2);
if (!out) throw new Error("usage: node scripts/copy-page.mjs OUT_DIR");
const from = path.join("src", "view", "page");
const to = path.join(out, "view", "page");
fs.mkdirSync(to, { recursive: true });
for (const name of fs.readdirSync(from)) {
  if (name === "tsconfig.json" || name === "types.js") continue; // only for the type checker
  fs.copyFileSync(path.join(from, name), path.join(to, name));
}
