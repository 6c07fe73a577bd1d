/**
 * Scalars: `log("loss", x)` in a tight loop, every flush and close() included, against pino
 * (JSON lines, async destination) and against the per-call resize+write pattern.
 *
 * @module
 */
import { H5Logger } from "../../src/index.js";
import { perCallAppends } from "../baselines/per-call.js";
import { type PinoFlavour, pinoLines } from "../baselines/pino.js";
import { scalarLoop } from "../loops.js";
import { median, repeat, type TempDir } from "../measure.js";
import { nsPerCall, type Result } from "../result.js";
import type { Sizes } from "../sizes.js";

/** Our scalar loop; returns milliseconds. */
export function logScalars(file: string, calls: number): number {
  return scalarLoop(H5Logger, file, calls);
}

export async function scalarsCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const ours = await repeat(sizes.reps, () => {
    const file = tmp.file("scalars");
    const ms = logScalars(file, sizes.scalars);
    tmp.drop(file);
    return ms;
  });
  const oursNs = nsPerCall(median(ours), sizes.scalars);

  const pino = async (flavour: PinoFlavour) =>
    median(
      await repeat(sizes.reps, async () => {
        const file = tmp.file(`pino-${flavour}`, ".log");
        const ms = await pinoLines(file, sizes.pinoLines, flavour);
        tmp.drop(file);
        return ms;
      }),
    );
  const pinoDefaults = nsPerCall(await pino("defaults"), sizes.pinoLines);
  const pinoLean = nsPerCall(await pino("lean"), sizes.pinoLines);

  const perCall = median(
    await repeat(sizes.reps, () => {
      const file = tmp.file("per-call");
      const ms = perCallAppends(file, sizes.perCallAppends, 8192);
      tmp.drop(file);
      return ms;
    }),
  );
  const perCallNs = nsPerCall(perCall, sizes.perCallAppends);

  const calls = `${sizes.scalars.toLocaleString("en-US")} calls`;
  return [
    {
      case: "scalars vs pino (defaults)",
      ours: oursNs,
      baseline: { name: "pino", ...pinoDefaults },
      ratio: pinoDefaults.value / oursNs.value,
      target: "≥ 50×",
      met: pinoDefaults.value / oursNs.value >= 50,
      note: `${calls}; pino ${sizes.pinoLines.toLocaleString("en-US")} lines of {"level","time","pid","hostname","name","value"}`,
    },
    {
      case: "scalars vs pino (lean lines)",
      ours: oursNs,
      baseline: { name: "pino", ...pinoLean },
      ratio: pinoLean.value / oursNs.value,
      target: "≥ 50×",
      met: pinoLean.value / oursNs.value >= 50,
      note: `pino with base: null, timestamp: false: lines are {"level":30,"name":"loss","value":…}`,
    },
    {
      case: "scalars vs per-call append",
      ours: oursNs,
      baseline: { name: "resize+write per call", ...perCallNs },
      ratio: perCallNs.value / oursNs.value,
      target: "≥ 1000×",
      met: perCallNs.value / oursNs.value >= 1000,
      note: `per-call baseline: ${sizes.perCallAppends.toLocaleString("en-US")} calls through the adapter's appendRows(rows = 1), flush and close included`,
    },
  ];
}
