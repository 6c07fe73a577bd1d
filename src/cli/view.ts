/**
 * `h5logger view FILE|FOLDER...`: the live web viewer (see src/view/server.ts). Prints the
 * URL (with its token) as the first line of stdout and serves until Ctrl-C.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import { startViewer } from "../view/server.js";
import { type Command, count, UsageError } from "./command.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Open `url` in the desktop's browser; failing to is not an error (the URL is printed). */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  try {
    spawn(cmd as string, args as string[], { stdio: "ignore", detached: true })
      .on("error", () => {})
      .unref();
  } catch {
    // No browser to open: the printed URL is enough.
  }
}

export const viewCommand: Command = {
  name: "view",
  summary: "a live web viewer of every series of every run, in the browser",
  help: `Usage: h5logger view FILE|FOLDER... [--port N] [--host ADDR] [--open]

Serve a web page that charts every series of the FILEs given and of the .h5/.hdf5 files in
each FOLDER (watched: new files appear), updating by itself while the files are written.
The first line printed holds the URL, with a token that every request needs.

Options:
  --port N      port to listen on; 0 picks a free one (default 6006, or the next free one)
  --host ADDR   address to bind (default 127.0.0.1; anything else is reachable by others)
  --open        open the page in the browser
  -h, --help    this text
`,
  options: { port: { type: "string" }, host: { type: "string" }, open: { type: "boolean" } },
  async run(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError("view needs at least one FILE or FOLDER");
    for (const p of positionals) if (!fs.existsSync(p)) throw new UsageError(`${p} does not exist`);
    const port = values.port === undefined ? undefined : count("--port", values.port, 0);
    if (port !== undefined && port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    const viewer = await startViewer({ paths: positionals, host, port });
    io.stdout.write(`h5logger view: ${viewer.url}   (Ctrl-C to stop)\n`);
    if (!LOOPBACK.has(host))
      io.stderr.write(`h5logger view: warning: listening on ${host}: anyone who can reach it and has the token can read these files\n`);
    if (values.open) openBrowser(viewer.url);
    if (!io.signal.aborted) await once(io.signal, "abort");
    await viewer.close();
    return 0;
  },
};
