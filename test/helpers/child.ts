/**
 * Child processes that report in JSON lines, for tests that fork fixture programs and kill them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";

/** A running fixture program. */
export interface Child {
  process: ChildProcess;
  /** Every JSON line it printed so far, in order. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line (past or future) that `match` accepts; rejects after `ms` or when the child exits first. */
  waitFor(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote on stderr. */
  stderr(): string;
}

/** Start `node SCRIPT ...args`; it is killed when the test ends if still running. */
export function startChild(t: TestContext, script: string, args: string[], options: { stdin?: boolean } = {}): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  let pending = "";
  let errors = "";
  let ended = false;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (text.trim()) lines.push(JSON.parse(text));
    }
    for (const wake of waiting) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      ended = true;
      for (const wake of waiting) wake();
      resolve({ code, signal });
    }),
  );
  t.after(() => {
    if (!ended) child.kill("SIGKILL");
  });
  const waitFor = (match: (line: Record<string, unknown>) => boolean, ms = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) return finish(() => resolve(found));
        if (ended) finish(() => reject(new Error(`child exited before printing the line waited for; stderr: ${errors.slice(-2000)}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no such line within ${ms} ms; stderr: ${errors.slice(-2000)}`))), ms);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiting.delete(check);
        settle();
      };
      waiting.add(check);
      check();
    });
  return { process: child, lines, waitFor, exited, stderr: () => errors };
}
