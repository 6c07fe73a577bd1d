/**
 * Flush latency under load: a writer logs scalars flat out with flushEvery = 1 s; a reader in
 * another process notes when rows become visible. For every sampled row, latency = when the
 * reader first saw it − when the writer logged it. Needs concurrent (SWMR) reading.
 *
 * @module
 */
import fs from "node:fs";
import { H5Logger } from "../../src/index.js";
import type { ReaderReport } from "../children/latency-reader.js";
import type { WriterReport } from "../children/latency-writer.js";
import { median, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";
import { startChild } from "../spawn.js";

const TARGET_MS = 1100;

/** Whether this build of h5logger takes the concurrentReaders option. */
function concurrentReadersSupported(tmp: TempDir): boolean {
  const file = tmp.file("probe");
  try {
    new H5Logger(file, { replaceIfExists: true, concurrentReaders: true }).close();
    return true;
  } catch {
    return false;
  } finally {
    tmp.drop(file);
  }
}

export async function latencyCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const name = "flush latency (flushEvery 1 s)";
  if (!concurrentReadersSupported(tmp)) {
    return [
      {
        case: name,
        ours: { value: Number.NaN, unit: "ms" },
        target: `≤ ${TARGET_MS} ms`,
        met: null,
        note: "left out: this build has no concurrentReaders option (SWMR) yet",
      },
    ];
  }
  const file = tmp.file("latency");
  const reader = startChild("latency-reader", [file]);
  const writer = startChild("latency-writer", [file, String(sizes.latencySeconds)]);
  await Promise.all([writer.exited, reader.exited]);
  const w = writer.lines.at(-1) as unknown as WriterReport;
  const r = reader.lines.at(-1) as unknown as ReaderReport;
  tmp.drop(file);
  tmp.drop(`${file}.done`);

  const latencies: number[] = [];
  let unseen = 0;
  // Only rows logged once the reader was watching: earlier ones say how fast it started.
  const watching = r.seen[0]?.[0] ?? Number.POSITIVE_INFINITY;
  for (const [row, at] of w.logged) {
    if (at < watching) continue;
    const first = r.seen.find(([, rows]) => rows > row);
    if (first) latencies.push(first[0] - at);
    else unseen++;
  }
  const worst = Math.max(0, ...latencies);
  // How often the reader saw the dataset grow: the writer's flush period as seen from outside.
  const updates = r.seen.filter(([, rows]) => rows > 0).map(([t]) => t);
  const gaps = updates.slice(1).map((t, i) => t - (updates[i] as number));
  const rate = w.rows / sizes.latencySeconds;
  fs.rmSync(file, { force: true });
  return [
    {
      case: name,
      ours: { value: worst, unit: "ms" },
      target: `≤ ${TARGET_MS} ms`,
      met: unseen === 0 && worst <= TARGET_MS,
      note: `worst of ${latencies.length + unseen} sampled rows (median ${median(latencies).toFixed(0)} ms); writer ${(rate / 1e6).toFixed(1)} M rows/s for ${sizes.latencySeconds} s; the reader saw the dataset grow every ${median(gaps).toFixed(0)} ms (median; longest ${Math.max(0, ...gaps).toFixed(0)}), polling ${r.polls} times${unseen ? `; ${unseen} rows never seen` : ""}`,
    },
  ];
}
