#!/usr/bin/env node
/**
 * The `h5logger` command: list, show, summarise, follow, export and recover h5logger files.
 * Works on files being written with concurrent readers on, where `h5ls` cannot open them.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as commands from "./commands.js";
import { isH5LoggerError } from "./errors.js";
import { H5Reader } from "./reader.js";

const USAGE = `Usage: h5logger <command> FILE [NAME...] [options]

Commands:
  ls FILE                       every dataset with its shape and type (also while the file is written)
  show FILE NAME [--start N] [--end N] [--last N]
                                rows of one dataset, one per line with its index
  summary FILE [NAME...] [--json]
                                rows, min, max, mean and last value of each dataset
  follow FILE [NAME...]         print new rows as a writer appends them (needs concurrentReaders)
  export FILE [NAME...] [--format csv|jsonl]
                                datasets side by side, to stdout
  recover FILE                  clear the "open for writing" flags a crashed writer left behind

Options:
  --timeout MS                  how long to wait for a file that is being created (follow: 10000, others: 0)
  -h, --help                    this text
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      start: { type: "string" },
      end: { type: "string" },
      last: { type: "string" },
      json: { type: "boolean" },
      format: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, file, ...names] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (!COMMANDS.includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  if (!file) throw new UsageError(`${command} needs a FILE`);
  if (command === "recover") {
    commands.recover(file, process.stdout);
    return 0;
  }
  // Only `follow` waits for a file that does not exist yet, unless asked to.
  const timeout = values.timeout === undefined ? (command === "follow" ? 10_000 : 0) : integer("--timeout", values.timeout);
  const reader = await H5Reader.open(file, { timeout });
  try {
    switch (command) {
      case "ls":
        commands.list(reader, process.stdout);
        break;
      case "show": {
        const [name] = names;
        if (!name) throw new UsageError("show needs a dataset NAME");
        const start = values.last !== undefined ? -integer("--last", values.last) : integer("--start", values.start ?? "0");
        const end = values.end === undefined ? undefined : integer("--end", values.end);
        commands.show(reader, name, start, end, process.stdout);
        break;
      }
      case "summary":
        commands.summary(reader, names, process.stdout, values.json ?? false);
        break;
      case "export": {
        const format = values.format ?? "csv";
        if (format !== "csv" && format !== "jsonl") throw new UsageError(`--format must be csv or jsonl, got ${format}`);
        commands.exportRows(reader, names, format, process.stdout);
        break;
      }
      case "follow": {
        const controller = new AbortController();
        process.once("SIGINT", () => controller.abort());
        await commands.follow(reader, names, process.stdout, controller.signal);
        break;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } finally {
    reader.close();
  }
  return 0;
}

const COMMANDS = ["ls", "show", "summary", "follow", "export", "recover"];

class UsageError extends Error {}

function integer(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${option} must be an integer, got ${text}`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || isH5LoggerError(err) || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`h5logger: ${(err as Error).message}\n`);
      if (err instanceof UsageError) process.stderr.write(`run "h5logger --help" for usage\n`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
      return;
    }
    throw err;
  },
);
