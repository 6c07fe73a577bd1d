/**
 * One HDF5 file of a run, followed through the public reader: opened read-only (SWMR files
 * as HDF5 allows, files written without concurrent readers through private snapshots),
 * refreshed when it changes, and its series listed. A file that cannot be read (malformed,
 * truncated, half-written) holds an error instead, and is tried again when it changes.
 *
 * @module
 */
import fs from "node:fs";
import { type DatasetView, FileError, H5Reader } from "../index.js";
import { columnOf, isScalarSeries } from "./column.js";
import type { Column } from "./column.js";

/** One series as `/api/runs` lists it. */
export interface SeriesInfo {
  name: string;
  rows: number;
  dtype: string | null;
  shape: number[];
  hasStep: boolean;
  hasTime: boolean;
}

/** What a refresh found. */
export interface FileChange {
  /** Series whose row count changed, with their new counts. */
  grown: { name: string; rows: number }[];
  /** Whether the list of series, the error or the live flag changed (the run list must be sent again). */
  listChanged: boolean;
}

/** Pause between looks at a file being written (or changed in the last {@link RECENT_MS}), in ms: one `stat` when unchanged. */
export const POLL_MS = 50;
/** Pause between looks at a file that nothing writes, in ms: a writer that starts is seen within this. */
const IDLE_POLL_MS = 1000;
/** A file modified this recently counts as being written, whatever its flags say (other programs' writers). */
const RECENT_MS = 10_000;
/** A refresh that took longer than this (a snapshot of a large file) waits {@link BACKOFF} times its cost before the next one. */
const SLOW_REFRESH_MS = 50;
/** So copying a large file takes at most a fifth of the server's time. */
const BACKOFF = 4;
/** Longest pause between refreshes of a changing file, in ms. */
const MAX_PAUSE_MS = 10_000;

const COMPANION = /\.(step|time)$/;

export class RunFile {
  /** The file's real path, resolved once when found. */
  readonly path: string;
  #reader: H5Reader | null = null;
  #error: string | null = null;
  #series: SeriesInfo[] = [];
  #live = false;
  #mtimeMs = 0;
  #nextPoll = 0;
  #statKey = "";
  /** Bumped whenever the file is reopened from scratch: caches keyed by it start over. */
  generation = 0;

  constructor(path: string) {
    this.path = path;
  }

  get error(): string | null {
    return this.#error;
  }

  get live(): boolean {
    return this.#live;
  }

  /** When the file was last modified (ms since 1970): the age of its last row. */
  get mtimeMs(): number {
    return this.#mtimeMs;
  }

  get series(): readonly SeriesInfo[] {
    return this.#series;
  }

  /** The reader, or an error saying why there is none. */
  reader(): H5Reader {
    if (!this.#reader) throw new Error(this.#error ?? "the file is not open");
    return this.#reader;
  }

  /** A series' dataset view with its current length, or null when there is no such series. */
  view(name: string): DatasetView | null {
    const reader = this.#reader;
    if (!reader || !this.#series.some((s) => s.name === name || `${s.name}.step` === name || `${s.name}.time` === name)) return null;
    return reader.has(name) ? reader.get(name) : null;
  }

  /** The numeric column of a scalar series (or of its step/time companion). */
  column(name: string): Column | null {
    const view = this.view(name);
    return view && isScalarSeries(view) ? columnOf(view) : null;
  }

  /** Look at the file if its time has come; returns what changed, or null. Never throws. */
  poll(now = Date.now()): FileChange | null {
    if (now < this.#nextPoll) return null;
    const started = performance.now();
    let change: FileChange | null;
    try {
      change = this.#reader ? this.#refresh() : this.#open();
    } catch (err) {
      change = this.#fail(err);
    }
    const cost = performance.now() - started;
    const active = this.#live || Date.now() - this.#mtimeMs < RECENT_MS;
    const pause = cost < SLOW_REFRESH_MS ? 0 : BACKOFF * cost;
    this.#nextPoll = Date.now() + Math.min(MAX_PAUSE_MS, Math.max(active ? POLL_MS : IDLE_POLL_MS, pause));
    return change;
  }

  #open(): FileChange | null {
    const st = fs.statSync(this.path);
    const key = `${st.size}:${st.mtimeMs}`;
    // A file that failed is tried again only once it changed (or every so often when busy).
    if (this.#error !== null && key === this.#statKey) return null;
    this.#statKey = key;
    this.#mtimeMs = st.mtimeMs;
    this.#reader = H5Reader.openSync(this.path, { snapshot: true });
    this.generation++;
    this.#error = null;
    return this.#relist(true);
  }

  #refresh(): FileChange | null {
    const reader = this.#reader as H5Reader;
    const wasLive = this.#live;
    const changed = reader.refresh();
    if (!changed && reader.live === wasLive) return null;
    this.#mtimeMs = fs.statSync(this.path).mtimeMs;
    return this.#relist(false);
  }

  #relist(opened: boolean): FileChange {
    const reader = this.#reader as H5Reader;
    const before = new Map(this.#series.map((s) => [s.name, s.rows]));
    const names = reader.keys();
    const present = new Set(names);
    const series: SeriesInfo[] = [];
    for (const name of names) {
      if (COMPANION.test(name) && present.has(name.replace(COMPANION, ""))) continue;
      const view = reader.get(name);
      if (view.shape.length === 0) continue; // a single value, not a series
      series.push({
        name,
        rows: view.length,
        dtype: view.dtype,
        shape: view.shape.slice(1),
        hasStep: present.has(`${name}.step`),
        hasTime: present.has(`${name}.time`),
      });
    }
    const wasLive = this.#live;
    this.#live = reader.live;
    this.#series = series;
    const grown = series.filter((s) => before.get(s.name) !== undefined && before.get(s.name) !== s.rows);
    if (grown.some((s) => s.rows < (before.get(s.name) as number))) this.generation++; // shrank: replaced
    const listChanged = opened || wasLive !== this.#live || series.length !== before.size || series.some((s) => !before.has(s.name));
    return { grown: grown.map((s) => ({ name: s.name, rows: s.rows })), listChanged };
  }

  #fail(err: unknown): FileChange | null {
    const message = err instanceof Error ? err.message : String(err);
    // A file being created, or a plain file caught mid-flush: not an error, the next poll opens it.
    if (this.#reader === null && err instanceof FileError && err.transient) return null;
    const hadReader = this.#reader !== null;
    this.close();
    const changed = hadReader || message !== this.#error || this.#series.length > 0;
    this.#error = message;
    this.#series = [];
    this.#live = false;
    return { grown: [], listChanged: changed };
  }

  close(): void {
    try {
      this.#reader?.close();
    } catch {
      // A reader whose file vanished may fail to close; there is nothing left to release.
    }
    this.#reader = null;
  }
}
