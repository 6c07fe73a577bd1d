/**
 * Size on disk of many short series (issue 14): N names × 3 float64 rows, without and with
 * step companions, against the target of at most twice the rows' bytes plus 4 KiB per dataset.
 *
 * @module
 */
import fs from "node:fs";
import { H5Logger } from "../../src/index.js";
import { mib, now, type TempDir } from "../measure.js";
import type { Result } from "../result.js";
import type { Sizes } from "../sizes.js";
import { wideNames } from "./wide.js";

const ROWS = 3;
const PER_DATASET = 4096;

export async function diskCase(sizes: Sizes, tmp: TempDir): Promise<Result[]> {
  const out: Result[] = [];
  for (const count of sizes.diskNames) {
    for (const steps of [false, true]) {
      const file = tmp.file("disk");
      const names = wideNames(count);
      const t0 = now();
      const logger = new H5Logger(file, { replaceIfExists: true, steps });
      for (let row = 0; row < ROWS; row++) for (const name of names) logger.log(name, row);
      logger.close();
      const ms = now() - t0;
      const bytes = fs.statSync(file).size;
      tmp.drop(file);
      const datasets = count * (steps ? 2 : 1);
      const data = datasets * ROWS * 8;
      const bound = 2 * data + PER_DATASET * datasets;
      out.push({
        case: `disk: ${count.toLocaleString("en-US")} names × ${ROWS} rows${steps ? ", steps" : ""}`,
        ours: { value: mib(bytes), unit: "MiB" },
        target: `≤ ${mib(bound).toFixed(1)} MiB`,
        met: bytes <= bound,
        note: `${datasets.toLocaleString("en-US")} datasets, ${(bytes / datasets / 1024).toFixed(2)} KiB each for ${ROWS * 8} bytes of rows; target 2 × rows + 4 KiB per dataset; written in ${(ms / 1000).toFixed(2)} s`,
      });
    }
  }
  return out;
}
