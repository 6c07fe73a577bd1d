/**
 * What every subcommand of the `h5logger` command shares: its description for `--help`, its
 * options for `util.parseArgs`, and what it is given to run.
 *
 * @module
 */

import type { Writable } from "node:stream";
import type { ParseArgsConfig } from "node:util";

/** Where a command writes, and how. */
export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** Whether stdout may carry colours: a terminal, and no `NO_COLOR`. */
  color: boolean;
  /** Whether stderr is a terminal (progress bars go there only then). */
  stderrIsTTY: boolean;
  /** Aborts on Ctrl-C (SIGINT) and SIGTERM: long commands stop cleanly. */
  signal: AbortSignal;
}

/** Parsed options: strings and booleans by name, as `util.parseArgs` gives them. */
export type Values = Record<string, string | boolean | undefined>;

/** One subcommand. */
export interface Command {
  name: string;
  /** One line for the tool's help. */
  summary: string;
  /** The command's own `--help`: usage line, then what it does and its options. */
  help: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Run with parsed options and positionals (the command name removed); resolves to the exit code. */
  run(values: Values, positionals: string[], io: Io): Promise<number>;
}

/** Wrong usage: exit code 2 and a pointer to `--help`. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A non-negative integer option, or a usage error naming it. */
export function count(option: string, text: string | boolean | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== "string" || text.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`${option} must be a whole number of 0 or more, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The command's FILE positional, or a usage error. */
export function fileArgument(command: string, positionals: string[]): string {
  const [file] = positionals;
  if (!file) throw new UsageError(`${command} needs a FILE`);
  return file;
}

/** Write and wait while the stream's buffer is full, so a slow consumer keeps memory flat. */
export async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        out.off("drain", done);
        out.off("error", done);
        out.off("close", done);
        err ? reject(err) : resolve();
      };
      out.once("drain", done).once("error", done).once("close", done);
    });
  }
}

/** The `--timeout` option in ms, if given. */
export function timeoutOf(values: Values): number | undefined {
  return values.timeout === undefined ? undefined : count("--timeout", values.timeout, 0);
}
