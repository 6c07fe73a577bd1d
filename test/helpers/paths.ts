/**
 * Where things are, from one root. Tests run compiled (`build/test/...`, see tsconfig.test.json),
 * so a path is never taken from `import.meta.url` of the file that needs it, but from here.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository: this file is `build/test/helpers/paths.js` once compiled. */
export const REPO = fileURLToPath(new URL("../../..", import.meta.url));

/** The package's command, as `npm install` builds it (`bin` in package.json). */
export const CLI = path.join(REPO, "dist", "cli", "main.js");

/** A fixture program (`test/fixtures/NAME.ts`), compiled to JavaScript. */
export function fixture(name: string): string {
  return path.join(REPO, "build", "test", "fixtures", `${name}.js`);
}

/** A Python fixture (`test/fixtures/NAME.py`), run from the source tree. */
export function pythonFixture(name: string): string {
  return path.join(REPO, "test", "fixtures", `${name}.py`);
}

/** An example program (`examples/NAME.ts`), compiled to JavaScript. */
export function example(name: string): string {
  return path.join(REPO, "build", "examples", `${name}.js`);
}
