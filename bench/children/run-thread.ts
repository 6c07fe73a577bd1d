/**
 * Worker thread of the runs case (bench/cases/runs.ts): joins the run in `workerData.run` as
 * writer `workerData.writer`, says it is ready (h5wasm loaded, file open), waits for "go", logs
 * `workerData.rows` scalars in a loop that never yields, closes, and reports its times.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { H5Logger } from "../../src/index.js";

export interface ThreadReport {
  /** When this thread started logging and when its close() returned (performance.timeOrigin + now, ms). */
  start: number;
  end: number;
}

const { run, writer, rows } = workerData as { run: string; writer: string; rows: number };
const logger = H5Logger.inRun(run, { writer });
const port = parentPort;
if (!port) throw new Error("run-thread.ts runs as a worker thread");
port.once("message", () => {
  const start = performance.timeOrigin + performance.now();
  for (let i = 0; i < rows; i++) logger.log("loss", i * 0.001);
  logger.close();
  port.postMessage({ start, end: performance.timeOrigin + performance.now() } satisfies ThreadReport);
});
port.postMessage("ready");
