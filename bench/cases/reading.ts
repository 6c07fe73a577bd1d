/**
 * Reading: the last 1,000 rows of a long dataset, and opening a file of 1,000 datasets and
 * listing them. Each timing covers opening the file, the read, and closing it.
 *
 * @module
 */
import { H5Logger } from "../../src/index.js";
import { median, now, repeat, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";
import { wideNames } from "./wide.js";

const READS = 7;

export async function readingCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const long = tmp.file("long");
  const writer = new H5Logger(long, { replaceIfExists: true });
  for (let i = 0; i < sizes.readRows; i++) writer.log("loss", i);
  writer.close();
  const tail = await repeat(READS, () => {
    const t0 = now();
    const reader = H5Logger.openSync(long);
    const rows = reader.get("loss").slice(-1000) as Float64Array;
    reader.close();
    const ms = now() - t0;
    if (rows.length !== 1000 || rows[999] !== sizes.readRows - 1) throw new Error("reading case: wrong rows read back");
    return ms;
  });
  tmp.drop(long);

  const wide = tmp.file("many");
  const names = wideNames(1000);
  const writer2 = new H5Logger(wide, { replaceIfExists: true });
  for (let step = 0; step < 10; step++) for (const name of names) writer2.log(name, step);
  writer2.close();
  const list = await repeat(READS, () => {
    const t0 = now();
    const reader = H5Logger.openSync(wide);
    const keys = reader.keys();
    reader.close();
    const ms = now() - t0;
    if (keys.length !== names.length) throw new Error(`reading case: listed ${keys.length} datasets, wrote ${names.length}`);
    return ms;
  });
  tmp.drop(wide);

  const tailMs = median(tail);
  const listMs = median(list);
  return [
    {
      case: "read last 1,000 rows",
      ours: { value: tailMs, unit: "ms" },
      target: "≤ 10 ms",
      met: tailMs <= 10,
      note: `of ${sizes.readRows.toLocaleString("en-US")} rows: openSync + get + slice(-1000) + close; median of ${READS}, first (coldest) ${tail[0]?.toFixed(2)} ms`,
    },
    {
      case: "open 1,000 datasets + keys()",
      ours: { value: listMs, unit: "ms" },
      target: "≤ 200 ms",
      met: listMs <= 200,
      note: `openSync + keys() + close; median of ${READS}, first ${list[0]?.toFixed(1)} ms`,
    },
  ];
}
