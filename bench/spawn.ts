/**
 * Run a bench program in a child Node process, for a clean memory baseline or a reader that
 * must be another process: `bench/children/NAME.ts`, compiled with the rest (`npm run bench`).
 *
 * @module
 */
import path from "node:path";
import { type Child, startNode } from "../test/helpers/child.js";
import { REPO } from "../test/helpers/paths.js";

/** Start `bench/children/<name>.ts` with `args`. */
export function startChild(name: string, args: readonly string[]): Child {
  return startNode(path.join(REPO, "build", "bench", "children", `${name}.js`), args, { cwd: REPO });
}

/** Run a child to its end and parse the JSON it prints last. */
export async function runChild<T>(name: string, args: readonly string[]): Promise<T> {
  const child = startChild(name, args);
  const { code, signal, stderr } = await child.exited;
  if (code !== 0) throw new Error(`bench child ${name} ${args.join(" ")} ended with ${signal ?? `code ${code}`}: ${stderr.slice(-2000)}`);
  return child.lines.at(-1) as T;
}
