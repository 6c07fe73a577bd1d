/**
 * Memory: RSS while logging many scalars (must stay flat) and while logging 4 MiB rows (never
 * more than the buffer bound plus one row). Each runs in a fresh child process so that earlier
 * cases leave nothing behind in the heap.
 *
 * @module
 */
import type { MemoryReport } from "../children/memory.js";
import { type TempDir, mib } from "../measure.js";
import type { Result } from "../result.js";
import { runChild } from "../spawn.js";
import type { Sizes } from "../sizes.js";

/** A bound well below the default 64 MiB, so that the check means something. */
const BOUND = 16 * 2 ** 20;
/** What "a small constant" may add for scalars: JIT code, HDF5's caches, the wasm scratch. */
const SLACK = 16 * 2 ** 20;

export async function memoryCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const scalarsFile = tmp.file("memory-scalars");
  const s = await runChild<MemoryReport>("memory", ["scalars", String(sizes.memoryScalars), scalarsFile, String(BOUND)]);
  tmp.drop(scalarsFile);
  const largeFile = tmp.file("memory-large");
  const l = await runChild<MemoryReport>("memory", ["large", String(sizes.memoryLargeBytes), largeFile, String(BOUND)]);
  tmp.drop(largeFile);

  const sGrowth = s.maxRss - s.startRss;
  const lGrowth = l.maxRss - l.startRss;
  return [
    {
      case: "memory: scalars, RSS growth",
      ours: { value: mib(sGrowth), unit: "MiB" },
      target: `≤ bound ${mib(BOUND)} + ${mib(SLACK)} MiB`,
      met: sGrowth <= BOUND + SLACK,
      note: `${sizes.memoryScalars.toLocaleString("en-US")} scalars, maxBufferBytes ${mib(BOUND)} MiB; RSS ${mib(s.startRss).toFixed(0)} → max ${mib(s.maxRss).toFixed(0)} MiB; after the first tenth it moved by ${mib(s.maxRss - s.tenthRss).toFixed(1)} MiB (${s.samples} samples)`,
    },
    {
      case: "memory: 4 MiB rows, RSS growth",
      ours: { value: mib(lGrowth), unit: "MiB" },
      target: `≤ bound ${mib(BOUND)} + one row (${mib(l.rowBytes)}) MiB`,
      met: lGrowth <= BOUND + l.rowBytes,
      note: `${mib(sizes.memoryLargeBytes).toFixed(0)} MiB of rows, maxBufferBytes ${mib(BOUND)} MiB; RSS ${mib(l.startRss).toFixed(0)} → max ${mib(l.maxRss).toFixed(0)} MiB, sampled after every row`,
    },
  ];
}
