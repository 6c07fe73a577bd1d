/**
 * Memory: RSS while logging many scalars (must stay flat) and while logging 4 MiB rows (never
 * more than the buffer bound plus one row). Each runs in a fresh child process so that earlier
 * cases leave nothing behind in the heap.
 *
 * @module
 */
import type { MemoryReport } from "../children/memory.js";
import { mib, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";
import { runChild } from "../spawn.js";

/** maxBufferBytes: the default. */
const BOUND = 64 * 2 ** 20;
/** What "a small constant" may add: V8's compiled code (HDF5's WebAssembly is compiled as it is first used), HDF5's caches. */
const SLACK = 16 * 2 ** 20;
/** "Flat": over the second half of the work, RSS grows by at most this. */
const DRIFT = 8 * 2 ** 20;

export async function memoryCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const scalarsFile = tmp.file("memory-scalars");
  const s = await runChild<MemoryReport>("memory", ["scalars", String(sizes.memoryScalars), scalarsFile, String(BOUND)]);
  tmp.drop(scalarsFile);
  const largeFile = tmp.file("memory-large");
  const l = await runChild<MemoryReport>("memory", ["large", String(sizes.memoryLargeBytes), largeFile, String(BOUND)]);
  tmp.drop(largeFile);

  const sGrowth = s.maxRss - s.startRss;
  const lGrowth = l.maxRss - l.startRss;
  const sDrift = s.maxLaterRss - s.halfRss;
  const lDrift = l.maxLaterRss - l.halfRss;
  return [
    {
      case: "memory: scalars, RSS growth",
      ours: { value: mib(sGrowth), unit: "MiB" },
      target: `≤ bound ${mib(BOUND)} + ${mib(SLACK)} MiB, flat`,
      met: sGrowth <= BOUND + SLACK && sDrift <= DRIFT,
      note: `${sizes.memoryScalars.toLocaleString("en-US")} scalars, default maxBufferBytes (${mib(BOUND)} MiB); RSS ${mib(s.startRss).toFixed(0)} → max ${mib(s.maxRss).toFixed(0)} MiB; over the second half it grew ${mib(sDrift).toFixed(1)} MiB (flat: ≤ ${mib(DRIFT)}; ${s.samples} samples)`,
    },
    {
      case: "memory: 4 MiB rows, RSS growth",
      ours: { value: mib(lGrowth), unit: "MiB" },
      target: `≤ bound ${mib(BOUND)} + one row (${mib(l.rowBytes)} MiB)`,
      met: lGrowth <= BOUND + l.rowBytes && lDrift <= DRIFT,
      note: `${mib(sizes.memoryLargeBytes).toFixed(0)} MiB of rows, default maxBufferBytes; RSS ${mib(l.startRss).toFixed(0)} → max ${mib(l.maxRss).toFixed(0)} MiB, sampled after every row; over the second half it grew ${mib(lDrift).toFixed(1)} MiB (flat: ≤ ${mib(DRIFT)}). Rows bypass the buffer: the logger holds one row (its copy in HDF5's heap); the rest of the growth is V8 compiling HDF5's WebAssembly as it is first used`,
    },
  ];
}
