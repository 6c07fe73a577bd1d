/**
 * The timed loops of the scalars and wide cases, for any build's H5Logger: this module imports
 * no h5logger code itself, so a child process can run them with another commit's build
 * (cases/before.ts) without loading ours.
 *
 * @module
 */
import type { H5Logger } from "../src/index.js";
import { now } from "./measure.js";

/** The H5Logger class of some build. */
export type LoggerClass = typeof H5Logger;

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

/** `log("loss", x)` `calls` times, constructor and close() included; returns milliseconds. */
export function scalarLoop(Logger: LoggerClass, file: string, calls: number): number {
  const t0 = now();
  const logger = new Logger(file, { replaceIfExists: true });
  for (let i = 0; i < calls; i++) logger.log("loss", i * 0.001);
  logger.close();
  return now() - t0;
}

/** Log every name once per step; returns milliseconds. */
export function wideLoop(Logger: LoggerClass, file: string, names: readonly string[], steps: number): number {
  const t0 = now();
  const logger = new Logger(file, { replaceIfExists: true });
  for (let step = 0; step < steps; step++) {
    for (let n = 0; n < names.length; n++) logger.log(names[n] as string, step + n * 1e-3);
  }
  logger.close();
  return now() - t0;
}
