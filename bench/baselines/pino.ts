/**
 * Baseline: pino writing `{name, value}` JSON lines to a file through its asynchronous
 * destination (sonic-boom, `sync: false`). The timing ends when every line is on its way to
 * the disk (the destination has ended and closed its file).
 *
 * @module
 */
import { once } from "node:events";
import { pino } from "pino";
import { now } from "../measure.js";

/** pino's defaults (level, time, pid, hostname on every line) or the leanest lines it writes. */
export type PinoFlavour = "defaults" | "lean";

/** Write `lines` lines in a tight loop; returns milliseconds. */
export async function pinoLines(file: string, lines: number, flavour: PinoFlavour): Promise<number> {
  const t0 = now();
  const dest = pino.destination({ dest: file, sync: false });
  const options = flavour === "lean" ? { base: null, timestamp: false } : {};
  const logger = pino(options, dest);
  for (let i = 0; i < lines; i++) logger.info({ name: "loss", value: i * 0.001 });
  const closed = once(dest, "close");
  dest.end();
  await closed;
  return now() - t0;
}
