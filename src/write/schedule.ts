/**
 * When a logger flushes by itself: at the latest `flushEvery` ms after its last flush, also in
 * a loop that never yields (log() compares the shared tick counter with a deadline, one memory
 * load: see ticker.ts), and from a timer while the event loop is free.
 *
 * @module
 */
import { TICK_MS, ticks, ticksFor } from "./ticker.js";

/** One logger's flush deadline. */
export class FlushSchedule {
  /**
   * The shared tick counter and the tick at which a flush is due. Plain fields, not private
   * ones, and read by log() itself rather than through a method: a call through another
   * object's private state was not inlined there and cost scalar logging a quarter of its speed.
   */
  readonly ticks: Int32Array;
  deadline: number;
  readonly #period: number;
  readonly #flushEvery: number;
  readonly #timer: NodeJS.Timeout;
  /** The deadline in performance.now() time, for the timer (the ticker's worker may not run yet). */
  #dueAt: number;

  /** `onTimer` runs when a flush is due and the event loop is free. */
  constructor(flushEvery: number, onTimer: () => void) {
    this.ticks = ticks();
    this.#flushEvery = flushEvery;
    this.#period = ticksFor(flushEvery);
    this.deadline = Atomics.load(this.ticks, 0) + this.#period;
    this.#dueAt = performance.now() + flushEvery;
    // Often enough that a flush is at most ~5% late; log() covers loops that never yield.
    const every = Math.min(flushEvery, Math.max(10, flushEvery / 20));
    this.#timer = setInterval(() => {
      // The clock as well as the ticks: the ticker's worker thread may not have started yet.
      if (this.due() || performance.now() >= this.#dueAt) onTimer();
    }, every);
    this.#timer.unref();
  }

  /** Whether the deadline passed: the hot path's check. */
  due(): boolean {
    return Atomics.load(this.ticks, 0) >= this.deadline;
  }

  /** A flush just happened: the next is due `flushEvery` ms from now, or at `nextAt` (performance.now() time) if sooner. */
  flushed(nextAt = Number.POSITIVE_INFINITY): void {
    const now = performance.now();
    const wait = Math.min(this.#flushEvery, Math.max(0, nextAt - now));
    this.deadline = Atomics.load(this.ticks, 0) + (wait === this.#flushEvery ? this.#period : Math.floor(wait / TICK_MS));
    this.#dueAt = now + wait;
  }

  /** No more flushes. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
