/**
 * The lock HDF5 programs honour: HDF5 (h5py, h5dump, ...) takes `flock` on a file it opens —
 * shared to read, exclusive to write — and a reader that meets a writer's lock fails with
 * "unable to lock file", which readers such as the original h5logger retry on. Our writer
 * holds an exclusive lock until concurrent readers are on, as HDF5's own SWMR writer does.
 *
 * Node has no `flock`, and h5wasm's is a no-op. util-linux's `flock` command run on an
 * inherited descriptor takes the lock on the open file description, which outlives the
 * command. Running it from this process forks this process, and after a fork every page this
 * process writes costs a copy-on-write fault (77,000 faults, 1.2 s, for 300 MB here). A small
 * process runs the command itself: a fork of it costs less than starting a child. Once this
 * process is large ({@link SMALL_RSS}), one small child, lock-holder.ts, opens the files, runs
 * the command for us and holds the descriptors, from then on. Requests are written to its stdin
 * and answered in a file, read synchronously: a lock is taken, refused or let go before the
 * call returns. When this process (or thread) ends, whatever way, the child sees its stdin
 * close and exits, and the locks go with it.
 *
 * Where there is no `flock` command (macOS, Windows), there is no HDF5 lock: programs that rely
 * on it are then as unprotected as with HDF5_USE_FILE_LOCKING=FALSE, which we honour too.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** An exclusive HDF5 file lock this process holds. */
export interface OsLock {
  /** Let it go. Safe to call twice. */
  release(): void;
}

/** Whether HDF5 programs lock files here: not when the user turned it off as HDF5 lets them. */
function lockingWanted(): boolean {
  const setting = process.env.HDF5_USE_FILE_LOCKING?.toUpperCase();
  return setting !== "FALSE" && setting !== "0";
}

let supported: boolean | null = null;

/** Up to this resident size, forking this process for a lock costs less than starting the lock holder (~0.1 s of CPU). */
const SMALL_RSS = 160 * 2 ** 20;

/** Whether locks go through the lock holder: it runs, or this process has grown too large to fork. */
function viaHelper(): boolean {
  return helper.running || process.memoryUsage.rss() > SMALL_RSS;
}

/**
 * Take an exclusive lock on the file at `file` (an absolute path). `"held"` when another
 * program (or another open of this process) holds a lock on it; `null` when locks are off or
 * cannot be taken here.
 */
export function lockExclusive(file: string): OsLock | "held" | null {
  if (!viaHelper()) return lockHere(file);
  const { id, result, message } = runFlock(file, "exclusive");
  if (result === "failed") throw new Error(message);
  if (result !== "locked") return result === "held" ? "held" : null;
  return lockReleasedBy(() => helper.ask({ op: "release", of: id }));
}

/** A lock that `letGo` releases, once. */
function lockReleasedBy(letGo: () => void): OsLock {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      letGo();
    },
  };
}

/**
 * Whether a writer holds an HDF5 lock on `file` (an exclusive lock: a writer that has not let
 * readers in). `null` when this cannot be known here.
 */
export function writerLockHeld(file: string): boolean | null {
  // A shared lock is refused only while someone holds an exclusive one.
  const { result } = viaHelper() ? runFlock(file, "shared") : flockHere(file, "--shared", true);
  return result === "unsupported" || result === "failed" ? null : result === "held";
}

/** An exclusive lock taken by util-linux's flock run from this process, on a descriptor of ours. */
function lockHere(file: string): OsLock | "held" | null {
  const { result, fd } = flockHere(file, "--exclusive", false);
  if (result !== "locked") return result === "held" ? "held" : null;
  return lockReleasedBy(() => fs.closeSync(fd));
}

/** util-linux's flock run from this process on its own descriptor of `file`, closed unless kept (with the lock). */
function flockHere(file: string, mode: "--exclusive" | "--shared", probe: boolean): { result: Answer["result"]; fd: number } {
  if (!lockingWanted() || supported === false) return { result: "unsupported", fd: -1 };
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    if (probe) return { result: "failed", fd: -1 };
    throw err;
  }
  const r = spawnSync("flock", [mode, "--nonblock", "3"], { stdio: ["ignore", "ignore", "ignore", fd] });
  if (r.error)
    supported = false; // no flock command: no HDF5 locks here
  else supported = true;
  const result = r.error ? "unsupported" : r.status === 0 ? "locked" : r.status === 1 ? "held" : "unsupported";
  if (probe || result !== "locked") fs.closeSync(fd);
  return { result, fd };
}

interface Answer {
  id: number;
  result: "locked" | "held" | "unsupported" | "failed" | "released";
  message?: string;
}

function runFlock(file: string, op: "exclusive" | "shared"): Answer {
  if (!lockingWanted() || supported === false) return { id: 0, result: "unsupported" };
  const answer = helper.ask({ op, path: file });
  if (answer.result === "unsupported")
    supported = false; // no flock command: no HDF5 locks here
  else if (answer.result !== "failed") supported = true;
  return answer;
}

/** How long an answer may take: the child starts Node on the first request, on a busy machine. */
const ANSWER_MS = 60_000;

/** The lock-holder child, started on first use; its answers come in an unlinked temp file. */
class Helper {
  #nextId = 1;
  #child: ChildProcess | null = null;
  #answers = -1;
  #read = 0;
  #pending = "";
  readonly #got = new Map<number, Answer>();
  readonly #sleep = new Int32Array(new SharedArrayBuffer(4));

  /** Send a request and wait for its answer. */
  ask(request: { op: string; path?: string; of?: number }): Answer {
    const child = this.start();
    if (child === null) return { id: 0, result: "unsupported" };
    const id = this.#nextId++;
    // A pipe with room takes the line at once (libuv writes before queueing).
    (child.stdin as NodeJS.WritableStream).write(`${JSON.stringify({ id, ...request })}\n`);
    const deadline = Date.now() + ANSWER_MS;
    for (let wait = 0.05; ; wait = Math.min(wait * 2, 2)) {
      this.#collect();
      const answer = this.#got.get(id);
      if (answer !== undefined) {
        this.#got.delete(id);
        return answer;
      }
      if (Date.now() > deadline)
        throw new Error(`the HDF5 file lock helper (pid ${child.pid}) did not answer within ${ANSWER_MS / 1000} s`);
      Atomics.wait(this.#sleep, 0, 0, wait);
    }
  }

  #collect(): void {
    const size = fs.fstatSync(this.#answers).size;
    if (size <= this.#read) return;
    const buffer = Buffer.alloc(size - this.#read);
    const n = fs.readSync(this.#answers, buffer, 0, buffer.length, this.#read);
    this.#read += n;
    const lines = (this.#pending + buffer.toString("utf8", 0, n)).split("\n");
    this.#pending = lines.pop() ?? "";
    for (const line of lines) {
      const answer = JSON.parse(line) as Answer;
      this.#got.set(answer.id, answer);
    }
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** The child, started if it is not running. */
  start(): ChildProcess | null {
    if (this.#child) return this.#child;
    if (this.#answers >= 0) fs.closeSync(this.#answers); // of a helper that died
    this.#read = 0;
    this.#pending = "";
    const file = path.join(os.tmpdir(), `h5logger-locks-${process.pid}-${Math.random().toString(36).slice(2)}`);
    this.#answers = fs.openSync(file, "w+");
    fs.unlinkSync(file); // both processes hold it open; nothing is left behind
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // the user's preloads are not for this child
    delete env.NODE_TEST_CONTEXT;
    const script = fileURLToPath(new URL("./lock-holder.js", import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ["pipe", "ignore", "inherit", this.#answers], env });
    if (child.pid === undefined) {
      child.on("error", () => {});
      return null;
    }
    child.on("exit", () => {
      if (this.#child === child) this.#child = null; // the next request starts another
    });
    child.stdin?.on("error", () => {}); // it died: its exit says so
    child.unref();
    (child.stdin as unknown as { unref(): void }).unref(); // neither keeps this process alive
    this.#child = child;
    return child;
  }
}

const helper = new Helper();

/** When locks will go through the lock holder, start it now: Node boots it while the caller does other work. */
export function prepareLocks(): void {
  if (lockingWanted() && supported !== false && viaHelper()) helper.start();
}
