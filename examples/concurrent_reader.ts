/**
 * The reader of examples/concurrent_writing_reading.ts, run in its own process:
 * `node build/examples/concurrent_reader.js FILE NAME`. Waits for FILE to be readable, prints
 * the whole NAME series each time it grows, and ends when the writer closes the file.
 */
import { H5Logger } from "h5logger";

const [file, name] = process.argv.slice(2);
if (!file || !name) throw new Error("usage: concurrent_reader.js FILE NAME");
process.send?.("ready"); // loaded: the writer may start
// Waits (retrying) while the file does not exist yet, or its writer has not let readers in yet.
const data = await H5Logger.open(file, { timeout: 30_000 });
for await (const _rows of data.follow(name, { pollEvery: 50 })) {
  const series = data.get(name).slice() as Float64Array;
  console.log(`[${Array.from(series, (x) => x.toFixed(8)).join(", ")}]`);
}
data.close();
process.disconnect?.();
