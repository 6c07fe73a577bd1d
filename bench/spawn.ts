/**
 * Run a bench program in a child Node process, for a clean memory baseline or a reader that
 * must be another process. Children run as plain JavaScript (see compile.ts), not under tsx.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { compiledChild } from "./compile.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Start `bench/children/<name>.ts` with `args`; stdout is collected. */
export function startChild(name: string, args: readonly string[]): { child: ChildProcess; output: Promise<string> } {
  const script = compiledChild(name);
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const output = new Promise<string>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`bench child ${name} ${args.join(" ")} ended with ${signal ?? `code ${code}`}`));
    });
  });
  return { child, output };
}

/** Run a child to its end and parse the JSON it prints last. */
export async function runChild<T>(name: string, args: readonly string[]): Promise<T> {
  const text = await startChild(name, args).output;
  const last = text.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as T;
}
