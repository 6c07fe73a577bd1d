/**
 * How big each case is: small by default (the whole run in under two minutes on two cores),
 * the sizes of issue 4 with `--full`.
 *
 * @module
 */

export interface Sizes {
  /** Repetitions of each timed case (the median is reported). */
  reps: number;
  /** log("loss", x) calls. */
  scalars: number;
  /** Lines pino writes (per repetition). */
  pinoLines: number;
  /** Calls of the per-call resize+write baseline. */
  perCallAppends: number;
  /** Names in the wide case, and steps (each step logs every name once). */
  wideNames: number;
  wideSteps: number;
  /** Float32Array(64) rows. */
  smallRows: number;
  /** Bytes of 4 MiB rows in all. */
  largeBytes: number;
  /** Scalars logged while RSS is sampled. */
  memoryScalars: number;
  /** Bytes of 4 MiB rows logged while RSS is sampled. */
  memoryLargeBytes: number;
  /** Rows of the dataset whose last 1,000 rows are read. */
  readRows: number;
  /** Seconds the writer runs in the flush-latency case. */
  latencySeconds: number;
  /** Scalars each worker thread logs in the runs case. */
  runThreadRows: number;
  /** Names of 3 rows each whose file size is measured. */
  diskNames: number[];
  /** 64×64 uint8 images, and float64 scalars, logged with and without compression. */
  compressedImages: number;
  compressedFloats: number;
}

export const DEFAULT_SIZES: Sizes = {
  reps: 3,
  scalars: 2_000_000,
  pinoLines: 300_000,
  perCallAppends: 2_000,
  wideNames: 1_000,
  wideSteps: 1_000,
  smallRows: 1_000_000,
  largeBytes: 256 * 2 ** 20,
  memoryScalars: 20_000_000,
  memoryLargeBytes: 2 ** 30,
  readRows: 10_000_000,
  latencySeconds: 5,
  runThreadRows: 5_000_000,
  diskNames: [1_000],
  compressedImages: 10_000,
  compressedFloats: 2_000_000,
};

export const FULL_SIZES: Sizes = {
  reps: 3,
  scalars: 10_000_000,
  pinoLines: 10_000_000,
  perCallAppends: 20_000,
  wideNames: 1_000,
  wideSteps: 10_000,
  smallRows: 10_000_000,
  largeBytes: 2 * 2 ** 30,
  memoryScalars: 100_000_000,
  memoryLargeBytes: 2 * 2 ** 30,
  readRows: 100_000_000,
  latencySeconds: 20,
  runThreadRows: 20_000_000,
  diskNames: [1_000, 10_000],
  compressedImages: 50_000,
  compressedFloats: 10_000_000,
};
