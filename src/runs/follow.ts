/**
 * Following a whole run: every writer's new rows as they are appended, writers that join later
 * included (from their first row). One poll refreshes the run (its writer list, then each
 * writer's file) and yields what is new, as follow.ts does for one file.
 *
 * @module
 */
import { setImmediate, setTimeout as sleep } from "node:timers/promises";
import type { Rows } from "../read/dataset-view.js";
import type { H5Reader } from "../read/reader.js";

/** New rows of one writer's dataset. */
export interface RunFollowedRows {
  /** The writer. */
  writer: string;
  /** The dataset, in that writer's file. */
  name: string;
  /** Index of the first of these rows in the dataset. */
  start: number;
  /** The rows, in the form `DatasetView.slice` returns. */
  rows: Rows;
}

/** What the loop needs from a run. */
export interface FollowedRun {
  /** Look at the folder and the files again. */
  refresh(): boolean;
  /** The readable writers, with their readers. */
  readers(): [string, H5Reader][];
  /** Whether some writer still writes (or is creating its file). */
  live(): boolean;
}

/** How to follow a run. */
export interface RunFollowPlan {
  select(reader: H5Reader, writer: string): string[];
  /** Where a dataset found at the start begins; writers and datasets that appear later begin at row 0. */
  startAt(length: number): number;
  pollEvery: number;
  maxRows: number;
  waitForWriter: boolean;
  signal?: AbortSignal;
}

/**
 * Yield new rows until no writer of the run writes any more (after their last rows), or
 * `signal` aborts. With `waitForWriter`, a run with no live writer yet is waited for.
 */
export async function* followRun(run: FollowedRun, plan: RunFollowPlan): AsyncGenerator<RunFollowedRows, void, undefined> {
  const seen = new Map<string, number>();
  const key = (writer: string, name: string) => `${writer}\0${name}`;
  for (const [writer, reader] of run.readers()) {
    for (const name of plan.select(reader, writer)) seen.set(key(writer, name), plan.startAt(reader.get(name).length));
  }
  // Not set for a run folder that appeared after we began: its writers may not have started yet.
  let writerSeen = run.live();
  for (;;) {
    if (plan.signal?.aborted) return;
    const wasLive = run.live();
    run.refresh();
    let behind = false;
    for (const [writer, reader] of run.readers()) {
      for (const name of plan.select(reader, writer)) {
        const view = reader.get(name);
        const start = seen.get(key(writer, name)) ?? 0;
        const end = Math.min(view.length, start + plan.maxRows);
        if (end > start) {
          seen.set(key(writer, name), end);
          behind ||= end < view.length;
          yield { writer, name, start, rows: view.slice(start, end) };
        }
      }
    }
    if (behind) {
      // Catch up without pausing, but let the event loop turn: a program that follows a run
      // also has sockets and pipes to serve, and async generators resume in microtasks.
      await setImmediate();
      continue;
    }
    const live = run.live();
    writerSeen ||= live;
    // One more poll after the last writer closed catches what it wrote while closing.
    if ((writerSeen || !plan.waitForWriter) && !wasLive && !live) return;
    try {
      await sleep(plan.pollEvery, undefined, { signal: plan.signal });
    } catch {
      return; // aborted
    }
  }
}
