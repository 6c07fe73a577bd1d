/**
 * A one-line progress bar on a terminal, redrawn at most every 100 ms; nothing at all when
 * there is no terminal to draw on.
 *
 * @module
 */
import type { Writable } from "node:stream";

const WIDTH = 30;
const REDRAW_MS = 100;

export class Progress {
  readonly #out: Writable | null;
  readonly #total: number;
  readonly #unit: string;
  readonly #started = performance.now();
  #done = 0;
  #drawn = 0;

  /** `out` is null when progress is not shown (stderr is not a terminal). */
  constructor(out: Writable | null, total: number, unit: string) {
    this.#out = out;
    this.#total = total;
    this.#unit = unit;
  }

  advance(n: number): void {
    this.#done += n;
    if (this.#out && performance.now() - this.#drawn >= REDRAW_MS) this.#draw();
  }

  /** Remove the bar. */
  done(): void {
    if (this.#out && this.#drawn > 0) this.#out.write("\r\x1b[2K");
  }

  #draw(): void {
    this.#drawn = performance.now();
    const share = this.#total > 0 ? Math.min(1, this.#done / this.#total) : 1;
    const filled = Math.round(share * WIDTH);
    const seconds = (this.#drawn - this.#started) / 1000;
    const rate = seconds > 0 ? Math.round(this.#done / seconds) : 0;
    const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
    this.#out?.write(`\r\x1b[2K${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${this.#done}/${this.#total} ${this.#unit}  ${rate}/s`);
  }
}
