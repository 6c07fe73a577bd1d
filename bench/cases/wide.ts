/**
 * Wide: 1,000 names in groups (`layer17/grad_norm`), each logged once per step.
 *
 * @module
 */
import { H5Logger } from "../../src/index.js";
import { median, now, repeat, type TempDir } from "../measure.js";
import { nsPerCall, type Result } from "../result.js";
import type { Sizes } from "../sizes.js";

const METRICS = [
  "grad_norm",
  "weight_norm",
  "update_ratio",
  "act_mean",
  "act_std",
  "lr_scale",
  "loss_share",
  "sparsity",
  "max_abs",
  "min_abs",
];

/** `count` names: `layer0/grad_norm`, `layer0/weight_norm`, ..., ten per layer. */
export function wideNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `layer${Math.floor(i / METRICS.length)}/${METRICS[i % METRICS.length]}`);
}

/** Log every name once per step; returns milliseconds. `Logger`: another build's H5Logger (see cases/before.ts). */
export function logWide(file: string, names: readonly string[], steps: number, Logger: typeof H5Logger = H5Logger): number {
  const t0 = now();
  const logger = new Logger(file, { replaceIfExists: true });
  for (let step = 0; step < steps; step++) {
    for (let n = 0; n < names.length; n++) logger.log(names[n] as string, step + n * 1e-3);
  }
  logger.close();
  return now() - t0;
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
