/**
 * A run's `index.h5`: one external link per writer to the root of its file (`w3` →
 * `w3.h5:/`), so that `index["w3/train/loss"]` is writer w3's series in h5py, and the run's
 * attributes (its configuration) on the index's root.
 *
 * The index changes only when a writer joins (a series added later needs no new link), and
 * then under `index.h5.lock`: the joining writer reads the current index, writes a new one
 * beside it and renames it over the old, so a reader opens either the old index or the new,
 * never half of one. No writer touches it while it logs.
 *
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as hdf5 from "../hdf5/index.js";
import type { AttributeInput } from "../model/attributes.js";
import { FileError, InvalidOptionError, LockedError } from "../model/errors.js";
import { WRITER_EXTENSION } from "../model/writers.js";
import { acquireLock } from "../recovery/lock.js";
import { locateForWriting } from "../recovery/location.js";
import { byName, listWriters, type RunFolder } from "./folder.js";

/** What an index holds. */
export interface IndexContents {
  /** The writers it links, sorted. */
  writers: string[];
  /** The run's attributes, as set. */
  attrs: Record<string, unknown>;
}

/** How long a joining writer waits for another to finish updating the index. */
const LOCK_WAIT_MS = 30_000;
const LOCK_RETRY_MS = 5;

/** What the index holds now; empty when there is none yet. */
export function readIndex(run: RunFolder): IndexContents {
  if (!fs.existsSync(run.index)) return { writers: [], attrs: {} };
  let handle: hdf5.FileHandle;
  try {
    handle = hdf5.openFile(run.index, "r");
  } catch (err) {
    throw new FileError(path.join(run.name, "index.h5"), `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  try {
    const writers = hdf5.externalLinks(handle).map((l) => l.name);
    return { writers, attrs: hdf5.readAttributes(handle, "/") };
  } finally {
    hdf5.closeFile(handle);
  }
}

/** The run's attributes once `given` joins them: an attribute keeps its first value, so a different one is refused. */
export function mergeAttrs(
  run: RunFolder,
  current: Record<string, unknown>,
  given: Record<string, AttributeInput>,
): Record<string, unknown> {
  const merged = { ...current };
  for (const [name, value] of Object.entries(given)) {
    if (name in current && !isDeepStrictEqual(normalised(value), normalised(current[name]))) {
      throw new InvalidOptionError(
        `run ${run.name}: run attribute ${JSON.stringify(name)} is already ${jsonText(current[name])}, and a run's attributes are given once; this writer gives ${jsonText(value)}`,
      );
    }
    merged[name] = value;
  }
  return merged;
}

/** A value as the index gives it back: typed arrays as arrays, objects through JSON. */
function normalised(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>);
  if (
    typeof value === "object" &&
    value !== null &&
    !(Array.isArray(value) && value.every((v) => typeof v === "number" || typeof v === "string"))
  ) {
    return JSON.parse(JSON.stringify(value));
  }
  return value;
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
}

/**
 * Run `fn` holding the index's lock: writers joining at once take turns. The lock is the same
 * kind as a log file's (recovery/lock.ts), so one left by a writer that died is taken over.
 */
export function withIndexLock<T>(run: RunFolder, fn: () => T): T {
  const file = locateForWriting(run.index);
  const giveUpAt = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    let lock: ReturnType<typeof acquireLock>;
    try {
      lock = acquireLock(file);
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
      if (Date.now() >= giveUpAt) {
        const why = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
        throw new LockedError(
          path.join(run.name, "index.h5"),
          `another writer has been joining run ${run.name} for ${LOCK_WAIT_MS / 1000} s, holding ${file.lock} (${why}); if no writer is joining, delete ${file.lock}`,
        );
      }
      pause(LOCK_RETRY_MS);
      continue;
    }
    try {
      return fn();
    } finally {
      lock.release();
    }
  }
}

/**
 * Write the index anew: a link for every writer's file in the folder, and `attrs`, into a
 * hidden file beside it, then renamed over it. The caller holds the index lock. Returns the
 * writers linked.
 */
export function writeIndex(run: RunFolder, attrs: Record<string, unknown>): string[] {
  const writers = listWriters(run.path).sort(byName);
  const temporary = path.join(run.path, ".index.h5.new");
  fs.rmSync(temporary, { force: true }); // left by a writer that died here: we hold the lock now
  try {
    const handle = hdf5.createFile(temporary);
    try {
      // Relative targets: HDF5 looks for them in the index's folder, so the run can be moved whole.
      for (const writer of writers) hdf5.createExternalLink(handle, writer, `${writer}${WRITER_EXTENSION}`, "/");
      hdf5.writeAttributes(handle, "/", attrs as Record<string, AttributeInput>);
    } finally {
      hdf5.closeFile(handle);
    }
    fs.renameSync(temporary, run.index);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw new FileError(path.join(run.name, "index.h5"), `cannot be updated: ${(err as Error).message}`, { cause: err });
  }
  return writers;
}

/** Whether the index links exactly these writers and holds these attributes already. */
export function indexIsCurrent(current: IndexContents, writers: readonly string[], attrs: Record<string, unknown>): boolean {
  return isDeepStrictEqual(current.writers, [...writers].sort(byName)) && isDeepStrictEqual(normalised(current.attrs), normalised(attrs));
}

/** Sleep without returning to the event loop: joining a run is synchronous, like `new H5Logger()`. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
