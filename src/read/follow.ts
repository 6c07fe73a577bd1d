/**
 * Following a file while it is written: poll, refresh, yield the rows that are new. The one
 * loop behind {@link H5Reader.follow} and `h5logger tail -f`.
 *
 * @module
 */
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from "node:timers/promises";
import type { Rows } from "./dataset-view.js";
import type { H5Reader } from "./reader.js";

/** New rows of one dataset. */
export interface FollowedRows {
  /** The dataset. */
  name: string;
  /** Index of the first of these rows in the dataset. */
  start: number;
  /** The rows, in the form {@link DatasetView.slice} returns. */
  rows: Rows;
}

/** How to follow. */
export interface FollowPlan {
  /** The datasets to follow, asked at every poll: a dataset that appears later joins from its row 0. */
  select(reader: H5Reader): string[];
  /** Where a dataset found at the start begins (rows before are not yielded). */
  startAt(name: string, length: number): number;
  /** Pause between polls, in ms. */
  pollEvery: number;
  /** Most rows of one dataset per yield, so that a reader far behind reads its backlog in pieces. */
  maxRows: number;
  /**
   * Whether to wait while no writer writes the file (`tail -f`): following then ends only once
   * a writer seen writing it closes it. Otherwise it ends once no writer writes the file.
   */
  waitForWriter: boolean;
  /** With `waitForWriter`: a writer was seen already (the file did not exist when we started). */
  writerSeen?: boolean;
  signal?: AbortSignal;
}

/**
 * Yield each dataset's new rows until the writer closes the file (after its last rows: one
 * more poll after it closes catches what it wrote while closing) or `signal` aborts.
 */
export async function* followRows(reader: H5Reader, plan: FollowPlan): AsyncGenerator<FollowedRows, void, undefined> {
  const seen = new Map<string, number>();
  for (const name of plan.select(reader)) seen.set(name, plan.startAt(name, reader.get(name).length));
  let writerSeen = plan.writerSeen === true || reader.live;
  for (;;) {
    if (plan.signal?.aborted) return;
    const wasLive = reader.live;
    reader.refresh();
    let behind = false;
    for (const name of plan.select(reader)) {
      const view = reader.get(name);
      const start = seen.get(name) ?? 0;
      const end = Math.min(view.length, start + plan.maxRows);
      if (end > start) {
        seen.set(name, end);
        behind ||= end < view.length;
        yield { name, start, rows: view.slice(start, end) };
      }
    }
    if (behind) {
      // Still behind: go on at once, but let the event loop turn (an async generator resumes in
      // microtasks, so a reader that keeps catching up would otherwise starve its process's I/O).
      await yieldToEventLoop();
      continue;
    }
    writerSeen ||= reader.live;
    if ((writerSeen || !plan.waitForWriter) && !wasLive && !reader.live) return;
    try {
      await sleep(plan.pollEvery, undefined, { signal: plan.signal });
    } catch {
      return; // aborted
    }
  }
}
