/**
 * One line of the table: a case, our number, the baseline's, and whether the target holds.
 *
 * @module
 */

/** A number with its unit; `lowerIsBetter` says which way is good. */
export interface Quantity {
  value: number;
  unit: string;
}

export interface Result {
  /** The case, as the issue names it. */
  case: string;
  ours: Quantity;
  baseline?: Quantity & { name: string };
  /** How many times better ours is than the baseline (> 1: ours is better). */
  ratio?: number;
  /** The target, as text (`≥ 50× pino`, `≤ 300 ns/call`). */
  target: string;
  /** Whether the target holds; null when it could not be measured. */
  met: boolean | null;
  /** What else the reader needs to know (sizes, spread). */
  note?: string;
}

/** A time per call in ns from a total in ms. */
export function nsPerCall(totalMs: number, calls: number): Quantity {
  return { value: (totalMs * 1e6) / calls, unit: "ns/call" };
}
