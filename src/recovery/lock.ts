/**
 * One h5logger writer per file, across processes and threads: `FILE.lock` (beside the real
 * file, see location.ts), created with the `wx` flag (fails when it exists), holds JSON that
 * names the writer: pid, thread, host, start times, and the file's device and inode.
 *
 * A lock whose writer is gone is stale and {@link acquireLock} takes it over, saying so: its
 * process ended (same host, `kill(pid, 0)` fails, or the pid now belongs to a process started
 * later), or, in this process, its worker thread ended (Linux: the thread's entry in
 * /proc/self/task is gone or was reused). A lock from another host cannot be checked and is
 * never taken over.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import { threadId } from "node:worker_threads";
import { FileError, LockedError } from "../model/errors.js";
import type { LogFile } from "./location.js";

/** Who holds a lock, as its lock file says. */
export interface LockHolder {
  /** Process id of the writer. */
  pid: number;
  /** Host the writer runs on. */
  hostname: string;
  /** When the writer took the lock (ISO 8601). */
  startedAt: string;
  /** Linux only: the writer's start time in clock ticks since boot, which tells a reused pid apart. */
  processStart?: number;
  /** Node's thread id of the writer in its process (0: the main thread). */
  threadId?: number;
  /** Linux only: the operating system's id of the writer's thread, and its start time. */
  tid?: number;
  threadStart?: number;
}

/** What a lock file says about the file's writer. */
export type LockState =
  | { state: "none" }
  | { state: "alive" | "dead" | "unknown"; holder: LockHolder }
  /** Empty or not JSON: a writer is creating it right now (`dead` once it is old). */
  | { state: "unreadable"; dead: boolean };

/** A lock this thread holds. */
export interface WriterLock {
  /** The lock file. */
  readonly path: string;
  /** What it says: this process and thread. */
  readonly holder: LockHolder;
  /** The writer whose stale lock was taken over: it ended without closing the file. */
  readonly replaced: LockHolder | null;
  /** Remove the lock file, if it is still ours. Safe to call twice. */
  release(): void;
}

/** A lock file this old that is still empty was left by a writer that died creating it. */
const UNREADABLE_GRACE_MS = 5_000;
/** A takeover marker this old was left by a process that died taking a stale lock over. */
const TAKEOVER_GRACE_MS = 10_000;

/** What the lock of `file` says, and whether its writer still runs. */
export function inspectLock(file: LogFile): LockState {
  const found = readLock(file.lock);
  if (found === null) return { state: "none" };
  if ("unreadable" in found) return { state: "unreadable", dead: found.age > UNREADABLE_GRACE_MS };
  return { state: liveness(found.holder), holder: found.holder };
}

/** Whether the lock proves that its writer ended without closing the file. */
export function lockProvesDead(state: LockState): boolean {
  return state.state === "dead" || (state.state === "unreadable" && state.dead);
}

/**
 * Take the writer lock of `file`, taking over a stale one.
 * @throws LockedError naming the holder when a live writer (or one on another host) holds it
 */
export function acquireLock(file: LogFile): WriterLock {
  const holder = thisWriter();
  const text = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(file, file.lock, text)) return held(file.lock, holder, text, null);
    const found = readLock(file.lock);
    if (found === null) continue; // released in between: try again
    if ("unreadable" in found) {
      if (found.age <= UNREADABLE_GRACE_MS)
        throw new LockedError(file.name, `another writer is taking the lock ${file.lock} right now; try again, or write to another file`);
      if (takeOver(file, found.raw, text)) return held(file.lock, holder, text, null);
      continue;
    }
    const state = liveness(found.holder);
    if (state !== "dead") throw lockedBy(file, found.holder, state);
    if (takeOver(file, found.raw, text)) return held(file.lock, holder, text, found.holder);
  }
  throw new LockedError(file.name, `could not take the lock ${file.lock}: other writers keep taking it; try again`);
}

/** The error for a lock held by `holder`. */
export function lockedBy(file: LogFile, holder: LockHolder, state: "alive" | "unknown"): LockedError {
  const who = `pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}`;
  if (state === "alive") {
    const self = holder.pid === process.pid && holder.hostname === os.hostname();
    const thread = holder.threadId === undefined || holder.threadId === threadId ? "" : `, thread ${holder.threadId}`;
    const what = self ? `this process${thread || " (another logger of the same file?)"}` : "another process";
    return new LockedError(file.name, `is being written by ${what} (${who}${thread}); close that writer first, or write to another file`);
  }
  return new LockedError(
    file.name,
    `is locked by a writer on another host (${who}), which this host cannot check; if no writer runs there, delete ${file.lock}`,
  );
}

/** This process and thread, as a lock names it. */
function thisWriter(): LockHolder {
  const holder: LockHolder = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString(), threadId };
  const start = processStart(process.pid);
  if (start !== undefined) holder.processStart = start;
  const tid = currentTid();
  if (tid !== undefined) {
    holder.tid = tid;
    const started = taskStart(tid);
    if (started !== undefined) holder.threadStart = started;
  }
  return holder;
}

function create(file: LogFile, lock: string, text: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lock, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new FileError(
      file.name,
      `cannot create its lock file ${lock} (${(err as Error).message}); h5logger needs to create it beside the file`,
      { cause: err },
    );
  }
  try {
    // One write right after creating it: readers see it empty only for an instant.
    fs.writeSync(fd, text);
  } catch (err) {
    // An empty lock left behind would keep every writer out until it counts as stale.
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
    throw new FileError(file.name, `cannot write its lock file ${lock}: ${systemProblem(err)}`, { cause: err });
  }
  fs.closeSync(fd);
  return true;
}

/** What an operating system error means here, in words. */
export function systemProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOSPC") return "the disk is full";
  if (code === "EDQUOT") return "the disk quota is used up";
  if (code === "EROFS") return "the file system is read-only";
  if (code === "EACCES" || code === "EPERM") return "this user may not write there";
  return (err as Error).message;
}

function held(lock: string, holder: LockHolder, text: string, replaced: LockHolder | null): WriterLock {
  let released = false;
  return {
    path: lock,
    holder,
    replaced,
    release() {
      if (released) return;
      released = true;
      const found = readLock(lock);
      // Someone may have deleted our lock and another writer taken it: leave theirs alone.
      if (found !== null && found.raw === text) fs.rmSync(lock, { force: true });
    },
  };
}

type Found = { holder: LockHolder; raw: string } | { unreadable: true; raw: string; age: number };

function readLock(lock: string): Found | null {
  let raw: string;
  let mtime: number;
  try {
    raw = fs.readFileSync(lock, "utf8");
    mtime = fs.statSync(lock).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    const holder = JSON.parse(raw) as LockHolder;
    if (Number.isSafeInteger(holder.pid) && holder.pid > 0 && typeof holder.hostname === "string") return { holder, raw };
  } catch {
    // not JSON: handled below
  }
  return { unreadable: true, raw, age: Date.now() - mtime };
}

/** Whether the process (and, in this process, the thread) that wrote a lock still runs. */
function liveness(holder: LockHolder): "alive" | "dead" | "unknown" {
  if (holder.hostname !== os.hostname()) return "unknown";
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return "dead";
  }
  // The pid exists; it may have been reused (containers restart with the same pids).
  const now = processStart(holder.pid);
  if (holder.processStart !== undefined && now !== undefined && now !== holder.processStart) return "dead";
  // This process: a worker thread that was terminated, or ended without closing its logger.
  if (holder.pid === process.pid && holder.threadId !== threadId && holder.tid !== undefined) {
    const started = taskStart(holder.tid);
    if (started === undefined || (holder.threadStart !== undefined && started !== holder.threadStart)) return "dead";
  }
  return "alive";
}

/** Linux: field 22 of a /proc stat file, the start time in clock ticks after boot. */
function startTime(statFile: string): number | undefined {
  try {
    const stat = fs.readFileSync(statFile, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const value = Number(fields[19]);
    return Number.isSafeInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function processStart(pid: number): number | undefined {
  return startTime(`/proc/${pid}/stat`);
}

function taskStart(tid: number): number | undefined {
  return startTime(`/proc/${process.pid}/task/${tid}/stat`);
}

/** Linux: the operating system's id of the calling thread (synchronous fs calls run on it). */
function currentTid(): number | undefined {
  try {
    const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").at(-1));
    return Number.isSafeInteger(tid) ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replace a stale lock with ours, unless someone changed it meanwhile; returns whether we hold
 * it now. The new lock is renamed over the stale one, so the lock file never goes missing (a
 * writer arriving then would take it without knowing a crashed writer's file awaits
 * recovery), and a marker file makes this a critical section: of two writers that find the
 * same stale lock, one replaces it and the other then finds a live lock.
 */
function takeOver(file: LogFile, staleText: string, text: string): boolean {
  const marker = `${file.lock}.takeover`;
  const busy = () => new LockedError(file.name, `another writer is taking over the stale lock ${file.lock} right now; try again`);
  if (!create(file, marker, `${process.pid}:${threadId}`)) {
    const stat = fs.statSync(marker, { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs <= TAKEOVER_GRACE_MS) throw busy();
    fs.rmSync(marker, { force: true });
    if (!create(file, marker, `${process.pid}:${threadId}`)) throw busy();
  }
  // Inside the critical section: one name is enough.
  const fresh = `${file.lock}.new`;
  try {
    if (readLock(file.lock)?.raw !== staleText) return false;
    fs.writeFileSync(fresh, text);
    fs.renameSync(fresh, file.lock);
    return true;
  } finally {
    fs.rmSync(fresh, { force: true });
    fs.rmSync(marker, { force: true });
  }
}
