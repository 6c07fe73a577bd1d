#!/usr/bin/env node
/**
 * The `h5logger` command: look at, follow, summarise, export and recover HDF5 log files, with no
 * HDF5 tools installed. Every command but `recover` only reads, and works on any HDF5 file.
 *
 * Exit codes: 0 success, 1 failure (one line on stderr; `--debug` adds the stack), 2 wrong usage.
 *
 * @module
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { type Command, type Io, UsageError } from "./command.js";
import { exportCommand } from "./export.js";
import { ls } from "./ls.js";
import { recoverCommand } from "./recover.js";
import { runCommand } from "./run-commands.js";
import { show } from "./show.js";
import { stats } from "./stats.js";
import { useColor } from "./style.js";
import { tailCommand } from "./tail.js";
import { viewCommand } from "./view.js";

const COMMANDS: Command[] = [ls, show, tailCommand, stats, exportCommand, recoverCommand, viewCommand];

const COMMON = { help: { type: "boolean", short: "h" }, debug: { type: "boolean" } } as const;

function toolHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: h5logger <command> FILE [options]

Look at, follow, summarise, export and recover HDF5 log files (h5logger's or any other's).
ls, tail, stats, export and recover also take a run folder (each writer's file in it), and
ls a folder of runs.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "h5logger <command> --help" for a command's options. Every command takes --debug
(print the stack of an error) and -h/--help; "h5logger --version" prints the version.
`;
}

async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io.stdout.write(toolHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
  const options = { ...command.options, ...COMMON };
  const { values, positionals } = parseArgs({ args: joinNegativeValues(rest, options), allowPositionals: true, strict: true, options });
  if (values.help) {
    io.stdout.write(command.help);
    return 0;
  }
  return runCommand(command.name, values, positionals, io) ?? command.run(values, positionals, io);
}

/** The package's version, from its package.json (two folders up from dist/cli/). */
function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * `--rows -3:`, `-n -5`: util.parseArgs takes a value that starts with "-" for an option, and
 * refuses it as ambiguous. A value that reads as a number or a slice is one: join it to its
 * option (`--rows=-3:`), so that the command can check it and say what is wrong with it.
 */
function joinNegativeValues(args: readonly string[], options: Record<string, { type: string; short?: string }>): string[] {
  const takesValue = (arg: string) => {
    if (arg.startsWith("--")) return options[arg.slice(2)]?.type === "string";
    return arg.length === 2 && Object.values(options).some((o) => o.type === "string" && o.short === arg[1]);
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (next !== undefined && takesValue(arg) && /^-[\d.:]/.test(next)) {
      out.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

const argv = process.argv.slice(2);
const debug = argv.includes("--debug");
const controller = new AbortController();
// The first Ctrl-C (or SIGTERM) ends a long command cleanly; a second one ends the process at once.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    controller.abort();
    process.once(signal, () => process.kill(process.pid, signal));
  });
}
const io: Io = {
  stdout: process.stdout,
  stderr: process.stderr,
  color: useColor(process.stdout),
  stderrIsTTY: process.stderr.isTTY === true,
  signal: controller.signal,
};
// A closed pipe (`h5logger show ... | head`) is a normal end, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

main(argv, io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || String((err as { code?: unknown })?.code).startsWith("ERR_PARSE_ARGS");
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`h5logger: ${message.split("\n")[0]}\n`);
    if (usage)
      process.stderr.write(`run "h5logger ${argv[0] && COMMANDS.some((c) => c.name === argv[0]) ? `${argv[0]} ` : ""}--help" for usage\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
