/**
 * The one way tests and benchmarks start other processes: fixture programs that report in
 * JSON lines, Python readers, the command line. A child started for a test is killed when the
 * test ends; its stdout lines are parsed as they come, so a test can wait for the event it needs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { TestContext } from "node:test";

/** A line a child printed: its JSON, or `{ text }` for a line that is not JSON (a warning, say). */
export type Line = Record<string, unknown>;

/** How a child ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything it wrote on stderr. */
  stderr: string;
}

/** A running child. */
export interface Child {
  process: ChildProcess;
  /** Every line it printed so far, in order. */
  lines: Line[];
  /** Everything it printed on stdout so far. */
  stdout(): string;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
  /**
   * The first line (printed already or to come) that `match` accepts. Rejects when the child
   * ends first, or after `ms` (default 120 s: a last resort for a hung child, not a timing bound).
   */
  waitFor(match: (line: Line) => boolean, what?: string, ms?: number): Promise<Line>;
  /** Resolves once its stderr matches `pattern` (rejects as {@link waitFor} does). */
  waitForStderr(pattern: RegExp, ms?: number): Promise<void>;
  /** Resolves when it has exited and its output is read. */
  exited: Promise<Exit>;
  /** Write a line to its stdin (needs `stdin: true`). */
  send(text: string): void;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Kill the child when this test ends, if it still runs. */
  test?: TestContext;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Keep stdin open for {@link Child.send}. */
  stdin?: boolean;
  /** Extra arguments for node before the script (`--max-old-space-size=32`, `--import ...`). */
  nodeArgs?: string[];
}

/** Start `node SCRIPT ...args` (a `.js` path: see paths.ts `fixture()`). */
export function startNode(script: string, args: readonly string[], options: ChildOptions = {}): Child {
  return startProcess(process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
}

/** Start any program. */
export function startProcess(command: string, args: readonly string[], options: ChildOptions = {}): Child {
  // Without NODE_TEST_CONTEXT, a Node child would behave as a test-runner subprocess.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  const waiting = new Set<() => void>();
  let out = "";
  let pending = "";
  let errors = "";
  let ended = false;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    pending += chunk;
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (text.trim()) lines.push(parse(text));
    }
    for (const wake of waiting) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    errors += chunk;
    for (const wake of waiting) wake();
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on("close", (code, signal) => {
      ended = true;
      for (const wake of waiting) wake();
      resolve({ code, signal, stderr: errors });
    }),
  );
  child.on("error", (err) => {
    errors += `could not start ${command}: ${err.message}\n`;
  });
  options.test?.after(() => {
    if (!ended) child.kill("SIGKILL");
  });
  /** Wait until `found()` gives something: rejected when the child ends first, or after `ms`. */
  const waitUntil = <T>(found: () => T | undefined, what: string, late: () => string, ms: number) =>
    new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiting.delete(check);
        settle();
      };
      const check = () => {
        const value = found();
        if (value !== undefined) return finish(() => resolve(value));
        if (ended) finish(() => reject(new Error(`${command} ${args.join(" ")} exited before ${what}: ${errors.slice(-2000)}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(late()))), ms);
      waiting.add(check);
      check();
    });
  const waitFor = (match: (line: Line) => boolean, what = "the line waited for", ms = 120_000) =>
    waitUntil(
      () => lines.find(match),
      `${what}; stderr`,
      () => `no ${what} within ${ms} ms; stderr: ${errors.slice(-2000)}`,
      ms,
    );
  const waitForStderr = (pattern: RegExp, ms = 120_000) =>
    waitUntil(
      () => (pattern.test(errors) ? true : undefined),
      `its stderr matched ${pattern}`,
      () => `stderr did not match ${pattern} within ${ms} ms`,
      ms,
    ).then(() => {});
  return {
    process: child,
    waitForStderr,
    lines,
    stdout: () => out,
    stderr: () => errors,
    waitFor,
    exited,
    send: (text) => child.stdin?.write(text),
  };
}

function parse(text: string): Line {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Line) : { text };
  } catch {
    return { text };
  }
}
