/**
 * The lock HDF5 programs honour: HDF5 (h5py, h5dump, ...) takes `flock` on a file it opens —
 * shared to read, exclusive to write — and a reader that meets a writer's lock fails with
 * "unable to lock file", which readers such as the original h5logger retry on. Our writer
 * holds an exclusive lock until concurrent readers are on, as HDF5's own SWMR writer does.
 *
 * Node has no `flock`, and h5wasm's is a no-op. But a flock belongs to the open file
 * description, which a child process shares when it inherits the descriptor: util-linux's
 * `flock` command run on an inherited descriptor takes the lock for us, and it stays ours
 * after the command exits, until we close the descriptor (or the process ends, whatever way).
 * Where there is no such command (macOS, Windows), there is no HDF5 lock: programs that rely
 * on it are then as unprotected as with HDF5_USE_FILE_LOCKING=FALSE, which we honour too.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

/** An exclusive HDF5 file lock this process holds. */
export interface OsLock {
  /** Let it go (closing the descriptor that holds it). Safe to call twice. */
  release(): void;
}

/** Whether HDF5 programs lock files here: not when the user turned it off as HDF5 lets them. */
function lockingWanted(): boolean {
  const setting = process.env.HDF5_USE_FILE_LOCKING?.toUpperCase();
  return setting !== "FALSE" && setting !== "0";
}

let supported: boolean | null = null;

/**
 * Take an exclusive lock on the open file `fd` (which this call then owns). `"held"` when
 * another program (or another open of this process) holds a lock on it; `null` when locks are
 * off or cannot be taken here.
 */
export function lockExclusive(fd: number): OsLock | "held" | null {
  const result = runFlock(fd, "--exclusive");
  if (result !== "locked") {
    fs.closeSync(fd);
    return result === "held" ? "held" : null;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      fs.closeSync(fd);
    },
  };
}

/**
 * Whether a writer holds an HDF5 lock on `file` (an exclusive lock: a writer that has not let
 * readers in). `null` when this cannot be known here.
 */
export function writerLockHeld(file: string): boolean | null {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return null;
  }
  try {
    // A shared lock is refused only while someone holds an exclusive one.
    const result = runFlock(fd, "--shared");
    return result === "unsupported" ? null : result === "held";
  } finally {
    fs.closeSync(fd); // drops the shared lock, if it was taken
  }
}

function runFlock(fd: number, mode: "--exclusive" | "--shared"): "locked" | "held" | "unsupported" {
  if (!lockingWanted() || supported === false) return "unsupported";
  const r = spawnSync("flock", [mode, "--nonblock", "3"], { stdio: ["ignore", "ignore", "ignore", fd] });
  if (r.error) {
    supported = false; // no flock command: no HDF5 locks here
    return "unsupported";
  }
  supported = true;
  if (r.status === 0) return "locked";
  return r.status === 1 ? "held" : "unsupported";
}
