/**
 * Timing helpers: repeat a measurement, take the median, keep temp files in one place.
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Milliseconds, sub-microsecond resolution. */
export const now = (): number => performance.now();

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Run `fn` `times` times, one after the other; returns what each run returned. */
export async function repeat<T>(times: number, fn: (rep: number) => T | Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let rep = 0; rep < times; rep++) out.push(await fn(rep));
  return out;
}

/** Time one call, in milliseconds. */
export async function timed(fn: () => unknown): Promise<number> {
  const t0 = now();
  await fn();
  return now() - t0;
}

/** A directory for this run's files, removed when the process exits. */
export class TempDir {
  readonly dir: string;
  #next = 0;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "h5logger-bench-"));
    process.on("exit", () => this.remove());
  }

  /** A fresh file name in the directory (nothing is created). */
  file(stem: string, ext = ".h5"): string {
    return path.join(this.dir, `${stem}-${this.#next++}${ext}`);
  }

  /** Delete one file if it exists. */
  drop(file: string): void {
    fs.rmSync(file, { force: true });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Bytes as MiB. */
export const mib = (bytes: number): number => bytes / (1024 * 1024);
