/**
 * The memory bound: the bytes of rows that all columns of a logger hold, at most
 * `maxBufferBytes`. Columns report what they allocate; the logger writes everything out when
 * the bound is passed, and the columns give memory back.
 *
 * @module
 */

/** Bytes the columns of one logger hold, against a bound. */
export class MemoryBudget {
  readonly #max: number;
  #used = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** A column took `bytes` more (negative: gave them back). */
  add(bytes: number): void {
    this.#used += bytes;
  }

  /** Whether the columns hold more than the bound: the logger then writes their rows out. */
  get over(): boolean {
    return this.#used > this.#max;
  }

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }
}
