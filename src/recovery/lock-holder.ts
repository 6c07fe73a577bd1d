/**
 * The child process that holds this process's HDF5 file locks (see os-lock.ts): started once,
 * small, so that the `flock` commands it runs fork a small process rather than ours. It reads
 * requests on stdin, one JSON line each, and appends one JSON answer line per request to
 * descriptor 3 (a file its parent reads):
 *
 *   {"id":1,"op":"exclusive","path":P}  open P and take an exclusive lock, kept until released
 *   {"id":2,"op":"shared","path":P}     whether a shared lock can be taken (then let go at once)
 *   {"id":3,"op":"release","of":1}      close what request 1 opened, letting its lock go
 *
 * Answers: {"id","result"} with result "locked", "held" (someone else holds a lock),
 * "unsupported" (no lock here), "released", or "failed" with a message. When stdin ends (its
 * parent exited, closed it, or died), it exits, and every lock it held goes with it.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

interface Request {
  id: number;
  op: "exclusive" | "shared" | "release";
  path?: string;
  of?: number;
}

const held = new Map<number, number>();

function answer(id: number, result: string, message?: string): void {
  fs.writeSync(3, `${JSON.stringify({ id, result, ...(message === undefined ? {} : { message }) })}\n`);
}

/** util-linux's flock on descriptor `fd`, which the command inherits and locks for us. */
function flock(fd: number, mode: "--exclusive" | "--shared"): "locked" | "held" | "unsupported" {
  const r = spawnSync("flock", [mode, "--nonblock", "3"], { stdio: ["ignore", "ignore", "ignore", fd] });
  if (r.error) return "unsupported";
  return r.status === 0 ? "locked" : r.status === 1 ? "held" : "unsupported";
}

function handle(req: Request): void {
  if (req.op === "release") {
    const fd = held.get(req.of ?? -1);
    held.delete(req.of ?? -1);
    if (fd !== undefined) fs.closeSync(fd);
    answer(req.id, "released");
    return;
  }
  let fd: number;
  try {
    fd = fs.openSync(req.path as string, "r");
  } catch (err) {
    answer(req.id, "failed", (err as Error).message);
    return;
  }
  const result = flock(fd, req.op === "exclusive" ? "--exclusive" : "--shared");
  if (req.op === "exclusive" && result === "locked") held.set(req.id, fd);
  else fs.closeSync(fd);
  answer(req.id, result);
}

let pending = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  const lines = (pending + text).split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) if (line) handle(JSON.parse(line) as Request);
});
process.stdin.on("end", () => process.exit(0));
