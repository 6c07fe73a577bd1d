/**
 * The reader of examples/concurrent_writing_reading.ts, run in its own process:
 * `node examples/concurrent_reader.mjs FILE NAME`. Waits for FILE to be readable, prints the
 * whole NAME series each time it grows, and ends when the writer closes the file.
 *
 * Plain JavaScript, so that it starts with plain `node` in about a second (under tsx, loading
 * the HDF5 runtime takes several seconds more).
 */
import { H5Logger } from "h5logger";

const [file, name] = process.argv.slice(2);
process.send?.("ready"); // loaded: the writer may start
// Waits (retrying) while the file does not exist yet, or its writer has not let readers in yet.
const data = await H5Logger.open(file, { timeout: 30_000 });
for await (const _rows of data.follow(name, { pollEvery: 50 })) {
  const series = data.get(name).slice();
  console.log(`[${Array.from(series, (x) => x.toFixed(8)).join(", ")}]`);
}
data.close();
process.disconnect?.();
