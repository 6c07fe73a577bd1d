/**
 * Wide: 1,000 names in groups (`layer17/grad_norm`), each logged once per step.
 *
 * @module
 */
import { H5Logger } from "../../src/index.js";
import { wideLoop, wideNames } from "../loops.js";
import { median, repeat, type TempDir } from "../measure.js";
import { nsPerCall, type Result } from "../result.js";
import type { Sizes } from "../sizes.js";

export { wideNames } from "../loops.js";

/** Log every name once per step; returns milliseconds. */
export function logWide(file: string, names: readonly string[], steps: number): number {
  return wideLoop(H5Logger, file, names, steps);
}

export async function wideCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const names = wideNames(sizes.wideNames);
  const calls = names.length * sizes.wideSteps;
  const ms = median(
    await repeat(sizes.reps, () => {
      const file = tmp.file("wide");
      const t = logWide(file, names, sizes.wideSteps);
      tmp.drop(file);
      return t;
    }),
  );
  const ours = nsPerCall(ms, calls);
  return [
    {
      case: "wide (1,000 names)",
      ours,
      target: "≤ 300 ns/call",
      met: ours.value <= 300,
      note: `${names.length} names × ${sizes.wideSteps.toLocaleString("en-US")} steps = ${calls.toLocaleString("en-US")} calls, ${(ms / 1000).toFixed(2)} s a run: every dataset is appended to at each timed flush (every second), when the memory bound is reached, and at close()`,
    },
  ];
}
