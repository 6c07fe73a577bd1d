/**
 * Pyramids of the series asked for, in memory, within a byte budget: the least recently used
 * go first and are rebuilt by the next request that needs them. Nothing is written beside the
 * data (nor anywhere on disk).
 *
 * @module
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Column } from "./column.js";
import { BLOCK_ROWS, Pyramid } from "./pyramid.js";

/** Rows read at a time while a pyramid is built, then the event loop turns: 64K rows read fastest here (4 MiB reads: 2.3x slower). */
const FEED_ROWS = 1 << 16;

interface Entry {
  pyramid: Pyramid;
  /** The extension under way, if any: concurrent requests wait for it instead of reading twice. */
  busy: Promise<void> | null;
}

/** Where queries get pyramids: the cache, or a run's merged series (merged.ts), which keeps its own. */
export interface PyramidSource {
  /** Rows per block of the pyramids it gives. */
  readonly blockRows: number;
  get(key: string, column: Column, rows: number, weight?: number | null): Promise<Pyramid>;
}

export class PyramidCache implements PyramidSource {
  readonly budget: number;
  readonly blockRows = BLOCK_ROWS;
  readonly #entries = new Map<string, Entry>();

  /** @param budget bytes of statistics kept across every series. @default 128 MiB */
  constructor(budget = 128 << 20) {
    this.budget = budget;
  }

  /**
   * The pyramid of `column` (smoothed with `weight`, or raw when null) covering its first
   * `rows` rows, built or extended as needed. `key` names the series uniquely in this server.
   */
  async get(key: string, column: Column, rows: number, weight: number | null = null): Promise<Pyramid> {
    const full = `${key}\0${weight ?? "raw"}`;
    let entry = this.#entries.get(full);
    if (entry && entry.pyramid.rows > rows && entry.busy === null) {
      // Fewer rows than before: the file was replaced. Start again.
      this.#entries.delete(full);
      entry = undefined;
    }
    if (!entry) {
      entry = { pyramid: new Pyramid(weight), busy: null };
      this.#entries.set(full, entry);
    } else {
      this.#entries.delete(full); // most recently used goes last
      this.#entries.set(full, entry);
    }
    while (entry.busy) await entry.busy;
    if (entry.pyramid.rows < rows) {
      const target = entry;
      target.busy = extend(target.pyramid, column, rows).finally(() => {
        target.busy = null;
      });
      try {
        await target.busy;
      } catch (err) {
        this.#entries.delete(full);
        throw err;
      }
      this.#evict();
    }
    return entry.pyramid;
  }

  /** Forget every series whose key starts with `prefix` (a run that was replaced or removed). */
  drop(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  /** Bytes held now. */
  get bytes(): number {
    let total = 0;
    for (const e of this.#entries.values()) total += e.pyramid.bytes;
    return total;
  }

  #evict(): void {
    let total = this.bytes;
    for (const [key, e] of this.#entries) {
      if (total <= this.budget) break;
      if (e.busy) continue;
      total -= e.pyramid.bytes;
      this.#entries.delete(key);
    }
  }
}

async function extend(pyramid: Pyramid, column: Column, rows: number): Promise<void> {
  for (let start = pyramid.resume(); start < rows; ) {
    const end = Math.min(rows, start + FEED_ROWS);
    pyramid.feed(column.read(start, end));
    start = end;
    if (start < rows) await yieldToLoop();
  }
}
